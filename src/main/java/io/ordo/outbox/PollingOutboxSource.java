package io.ordo.outbox;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.ordo.config.OrdoConfig;
import io.ordo.store.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The outbox source on Cassandra, one per shard: reads the shard's minute-bucketed index of outbox intents, only intents
 * older than the polling delay (no shorter than the write timeout, so a write that lands late is
 * still ahead of the cursor), a page at a time, hands each page to the relay, and moves its durable
 * checkpoint past a page only once the relay has settled every intent of it. While Kafka is down the
 * relay does not settle, so the cursor waits too and nothing is skipped. Each shard's cursor is a
 * checkpoint of its own, so the shard's next owner resumes where this one stopped.
 */
final class PollingOutboxSource {

    static final String SOURCE = "polling";
    /** The checkpoint of the unsharded index that builds before schema version 4 wrote. */
    static final String LEGACY_TASK = "outbox_by_minute";
    /** Intents read and handed to the relay at once. */
    static final int PAGE = 500;
    private static final Logger LOG = LoggerFactory.getLogger(PollingOutboxSource.class);

    private final Vertx vertx;
    private final OutboxStore outbox;
    private final OrdoConfig.Relay config;
    private final Function<OutboxHint, Future<Void>> relay;
    private final Clock clock;
    private final int shard;
    private final String task;
    /** With no checkpoint: start from the look-back (a shard's first start), or not at all (the unsharded index). */
    private final boolean startWithoutCheckpoint;
    private long timer = -1;
    private boolean stopped;

    /** Where the source stands: everything written up to {@code written} in minute {@code minute} is settled. */
    record Cursor(long minute, UUID written) {
        String encode() {
            return minute + ":" + written;
        }

        static Cursor decode(String position) {
            int colon = position.indexOf(':');
            return new Cursor(Long.parseLong(position.substring(0, colon)), UUID.fromString(position.substring(colon + 1)));
        }
    }

    private PollingOutboxSource(Vertx vertx, OutboxStore outbox, OrdoConfig.Relay config,
                                Function<OutboxHint, Future<Void>> relay, Clock clock, int shard, String task,
                                boolean startWithoutCheckpoint) {
        this.vertx = vertx;
        this.outbox = outbox;
        this.config = config;
        this.relay = relay;
        this.clock = clock;
        this.shard = shard;
        this.task = task;
        this.startWithoutCheckpoint = startWithoutCheckpoint;
    }

    /** The source of {@code shard}'s part of the index. */
    static PollingOutboxSource ofShard(Vertx vertx, OutboxStore outbox, OrdoConfig.Relay config,
                                       Function<OutboxHint, Future<Void>> relay, Clock clock, int shard) {
        return new PollingOutboxSource(vertx, outbox, config, relay, clock, shard, taskOf(shard), true);
    }

    /**
     * The source of the unsharded index of schema versions 1 to 3: it runs only where an older build left
     * a checkpoint, and goes on from there (a rolling upgrade's older members may still write to it).
     */
    static PollingOutboxSource unsharded(Vertx vertx, OutboxStore outbox, OrdoConfig.Relay config,
                                         Function<OutboxHint, Future<Void>> relay, Clock clock) {
        return new PollingOutboxSource(vertx, outbox, config, relay, clock, OutboxStore.LEGACY_SHARD, LEGACY_TASK, false);
    }

    /** The checkpoint's task id of {@code shard}. */
    static String taskOf(int shard) {
        return "outbox_by_shard/" + shard;
    }

    Future<Void> start() {
        return outbox.checkpoint(SOURCE, task).map(position -> {
            if (position != null || startWithoutCheckpoint) {
                schedule(position != null ? Cursor.decode(position) : initial(), config.pollIntervalMs());
            }
            return null;
        });
    }

    void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    private Cursor initial() {
        long since = clock.millis() - config.initialLookbackMinutes() * 60_000L;
        return new Cursor(since / 60_000, Uuids.startOf(since));
    }

    private void schedule(Cursor cursor, long delayMs) {
        if (!stopped) {
            timer = vertx.setTimer(Math.max(1, delayMs), id -> step(cursor).onComplete(done -> {
                if (stopped) {
                    return; // the shard moved to another member, which goes on from the checkpoint
                }
                if (done.failed()) {
                    LOG.warn("Polling the outbox (shard {}) failed; retrying: {}", shard, done.cause().toString());
                    schedule(cursor, config.pollIntervalMs());
                } else {
                    Step next = done.result();
                    // A full page: more is waiting, read it at once (a new timer: the stack starts afresh).
                    schedule(next.cursor(), next.more() ? 0 : config.pollIntervalMs());
                }
            }));
        }
    }

    private record Step(Cursor cursor, boolean more) {
    }

    /**
     * Reads one page of intents after the cursor (in its minute, or the first later minute that has
     * any, up to now minus the delay), waits for the relay to settle them, and saves the new cursor.
     */
    private Future<Step> step(Cursor from) {
        long untilMillis = clock.millis() - config.pollDelayMs();
        long untilMinute = untilMillis / 60_000;
        if (untilMinute < from.minute()) {
            return Future.succeededFuture(new Step(from, false));
        }
        UUID until = Uuids.endOf(untilMillis);
        // The cursor's minute is past its end when an earlier step read all of it: read the next one.
        UUID upTo = from.minute() < untilMinute ? Uuids.endOf(from.minute() * 60_000 + 59_999) : until;
        return outbox.intents(shard, from.minute(), from.written(), upTo, PAGE).compose(intents -> {
            Cursor next;
            boolean more;
            if (intents.size() == PAGE) {
                next = new Cursor(from.minute(), intents.get(intents.size() - 1).writtenAt());
                more = true;
            } else if (from.minute() < untilMinute) {
                next = new Cursor(from.minute() + 1, Uuids.startOf(0)); // this minute is done
                more = true;
            } else {
                next = new Cursor(untilMinute, until);
                more = false;
            }
            return settleAll(intents).compose(v -> outbox.saveCheckpoint(SOURCE, task, next.encode()))
                    .map(new Step(next, more));
        });
    }

    private Future<Void> settleAll(List<OutboxStore.IndexedIntent> intents) {
        List<Future<Void>> settled = new ArrayList<>(intents.size());
        for (OutboxStore.IndexedIntent intent : intents) {
            settled.add(relay.apply(OutboxHint.of(intent.aggregateId(), intent.sequenceNumber(),
                    Uuids.unixTimestamp(intent.writtenAt()))));
        }
        return Future.all(settled).mapEmpty();
    }
}
