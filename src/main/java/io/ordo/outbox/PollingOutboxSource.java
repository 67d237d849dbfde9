package io.ordo.outbox;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.ordo.config.OrdoConfig;
import io.ordo.store.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The outbox source on Cassandra: reads the minute-bucketed index of outbox intents, only intents
 * older than the polling delay (no shorter than the write timeout, so a write that lands late is
 * still ahead of the cursor), hands them to the relay, and moves its durable checkpoint only once the
 * relay has settled every one of them. While Kafka is down the relay does not settle, so the cursor
 * waits too and nothing is skipped.
 */
final class PollingOutboxSource {

    static final String SOURCE = "polling";
    static final String TASK = "outbox_by_minute";
    private static final Logger LOG = LoggerFactory.getLogger(PollingOutboxSource.class);

    private final Vertx vertx;
    private final OutboxStore outbox;
    private final OrdoConfig.Relay config;
    private final Function<OutboxHint, Future<Void>> relay;
    private long timer = -1;
    private boolean stopped;

    /** Where the source stands: everything written up to {@code written} in minute {@code minute} is settled. */
    private record Cursor(long minute, UUID written) {
        String encode() {
            return minute + ":" + written;
        }

        static Cursor decode(String position) {
            int colon = position.indexOf(':');
            return new Cursor(Long.parseLong(position.substring(0, colon)), UUID.fromString(position.substring(colon + 1)));
        }
    }

    PollingOutboxSource(Vertx vertx, OutboxStore outbox, OrdoConfig.Relay config, Function<OutboxHint, Future<Void>> relay) {
        this.vertx = vertx;
        this.outbox = outbox;
        this.config = config;
        this.relay = relay;
    }

    Future<Void> start() {
        return outbox.checkpoint(SOURCE, TASK).map(position -> {
            Cursor cursor = position != null ? Cursor.decode(position) : initial();
            schedule(cursor);
            return null;
        });
    }

    void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    private Cursor initial() {
        long since = System.currentTimeMillis() - config.initialLookbackMinutes() * 60_000L;
        return new Cursor(since / 60_000, Uuids.startOf(since));
    }

    private void schedule(Cursor cursor) {
        if (!stopped) {
            timer = vertx.setTimer(config.pollIntervalMs(), id -> poll(cursor).onComplete(done -> {
                if (done.failed()) {
                    LOG.warn("Polling the outbox failed; retrying: {}", done.cause().toString());
                }
                schedule(done.succeeded() ? done.result() : cursor);
            }));
        }
    }

    /** Reads every intent after the cursor and up to now minus the delay; answers the new cursor. */
    private Future<Cursor> poll(Cursor from) {
        long untilMillis = System.currentTimeMillis() - config.pollDelayMs();
        long untilMinute = untilMillis / 60_000;
        if (untilMinute < from.minute()) {
            return Future.succeededFuture(from);
        }
        UUID until = Uuids.endOf(untilMillis);
        Future<Void> chain = Future.succeededFuture();
        for (long minute = from.minute(); minute <= untilMinute; minute++) {
            long bucket = minute;
            UUID after = bucket == from.minute() ? from.written() : Uuids.startOf(0);
            chain = chain.compose(v -> outbox.intents(bucket, after, until)).compose(this::settleAll);
        }
        Cursor next = new Cursor(untilMinute, until);
        return chain.compose(v -> outbox.saveCheckpoint(SOURCE, TASK, next.encode())).map(next);
    }

    private Future<Void> settleAll(List<OutboxStore.IndexedIntent> intents) {
        List<Future<Void>> settled = new ArrayList<>(intents.size());
        for (OutboxStore.IndexedIntent intent : intents) {
            settled.add(relay.apply(new OutboxHint(intent.aggregateId(), intent.sequenceNumber(), intent.eventId(),
                    Uuids.unixTimestamp(intent.writtenAt()))));
        }
        return Future.all(settled).mapEmpty();
    }
}
