package io.ordo.outbox;

import io.ordo.config.OrdoConfig;
import io.ordo.ops.OrdoMetrics;
import io.ordo.es.EventEnvelope;
import io.ordo.store.EventStore;
import io.ordo.store.FaultInjector;
import io.ordo.store.OutboxStore;
import io.ordo.store.StoreConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns hints into publications, treating hints as hints and the event store as the truth
 * (DESIGN.md §3): for a hinted aggregate it publishes the committed events above its watermark
 * ({@code aggregate_sequence.published_sequence}), in sequence order, then moves the watermark.
 * One aggregate is handled at a time, so its order on Kafka is its sequence order; different
 * aggregates go in parallel. A hint ahead of the stream (an intent whose commit is in flight, lost or
 * never made) waits for the verification window, then a SERIAL read decides: committed, publish;
 * not, drop. A failed publication is retried with backoff and never given up: while Kafka is down
 * the breaker is open and the relay waits, losing nothing.
 */
final class OutboxRelay {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final int WATERMARK_CACHE = 10_000;

    private final Vertx vertx;
    private final EventStore events;
    private final OutboxStore outbox;
    private final StoreConfig store;
    private final OrdoConfig.Relay config;
    private final KafkaPublisher publisher;
    private final FaultInjector faults;
    private final OrdoMetrics metrics;
    /** The hints taken and not yet settled, by their events' time: the backlog's age. */
    private final Backlog backlog = new Backlog(System::currentTimeMillis);
    /** Dead-letter counts started and shown: a count that finishes after a later one's is stale. */
    private long countsStarted;
    private long countShown;
    /** The work queued per aggregate: each hint runs after the previous one for that aggregate. */
    private final Map<UUID, Future<Void>> inFlight = new HashMap<>();
    /** Aggregates known to be parked behind a dead letter, and at which sequence number. */
    private final Map<UUID, Long> parked = new HashMap<>();
    private final Map<UUID, Long> watermarks = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Long> eldest) {
            return size() > WATERMARK_CACHE;
        }
    };

    OutboxRelay(Vertx vertx, EventStore events, OutboxStore outbox, StoreConfig store, OrdoConfig.Relay config,
                KafkaPublisher publisher, FaultInjector faults, OrdoMetrics metrics) {
        this.metrics = metrics;
        this.vertx = vertx;
        this.events = events;
        this.outbox = outbox;
        this.store = store;
        this.config = config;
        this.publisher = publisher;
        this.faults = faults;
    }

    /**
     * Completes once the hinted event is published, parked behind a dead letter, or known never to have
     * been committed. It is backlog, from its event's time, once its aggregate's watermark (read from
     * the store, not only a cache) shows it unpublished, until it is settled; a hint for what is on
     * Kafka already (a durable source's re-reading after a restart, say) never is, and a parked event
     * leaves the backlog for the dead-letter gauge.
     */
    Future<Void> settle(OutboxHint hint) {
        UUID id = hint.aggregateId();
        Future<Void> previous = inFlight.getOrDefault(id, Future.succeededFuture());
        boolean[] inBacklog = {false};
        Future<Void> next = previous.transform(ignored -> settleWithRetries(hint, 0, inBacklog));
        inFlight.put(id, next);
        next.onComplete(done -> {
            inFlight.remove(id, next);
            if (inBacklog[0]) {
                backlog.remove(hint.eventTimeMs());
            }
        });
        return next;
    }

    /** Completes once every hint taken so far is settled (for a clean stop). */
    Future<Void> idle() {
        return Future.join(List.copyOf(inFlight.values())).mapEmpty();
    }

    /** Now minus the time of the oldest event taken and not yet settled, in ms (0 when none); any thread. */
    long backlogAgeMs() {
        return backlog.ageMs();
    }

    /**
     * Sets the dead-letter gauge to the number parked in the store now (every instance's, and those
     * left from before a restart). Reads the whole table: it is small, an operator's list.
     */
    void countDeadLetters() {
        long count = ++countsStarted;
        outbox.allDeadLetters().onComplete(letters -> {
            if (letters.failed()) {
                LOG.debug("Counting dead letters failed; the gauge keeps its last value: {}", letters.cause().toString());
            } else if (count > countShown) {
                countShown = count;
                metrics.deadLetters(letters.result().size());
            }
        });
    }

    private Future<Void> settleWithRetries(OutboxHint hint, int failures, boolean[] inBacklog) {
        return attempt(hint, inBacklog).recover(failure -> {
            long ceiling = Math.min(5_000, 100L << Math.min(failures, 6));
            long pause = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1); // jitter: retries spread out
            if (failures % 10 == 0) {
                LOG.warn("Publishing {} up to {} failed ({}); retrying in {} ms", hint.aggregateId(),
                        hint.sequenceNumber(), failure.toString(), pause);
            }
            return vertx.timer(pause).compose(v -> settleWithRetries(hint, failures + 1, inBacklog));
        });
    }

    private Future<Void> attempt(OutboxHint hint, boolean[] inBacklog) {
        UUID id = hint.aggregateId();
        return watermark(id).compose(published -> {
            if (hint.sequenceNumber() <= published) {
                return Future.succeededFuture(); // already on Kafka
            }
            if (parked.containsKey(id)) {
                return Future.succeededFuture(); // waits behind its dead letter for an operator
            }
            if (!inBacklog[0]) {
                inBacklog[0] = true;
                backlog.add(hint.eventTimeMs());
            }
            return events.head(id).compose(head -> {
                if (hint.sequenceNumber() <= head.version()) {
                    return publish(id, head, published);
                }
                // Ahead of the stream: a commit in flight, or an intent that never became one.
                return vertx.timer(config.verificationWindowMs())
                        .compose(v -> events.committedEventId(id, hint.sequenceNumber()))
                        .compose(committed -> {
                            if (committed == null) {
                                LOG.info("Dropping hint {}@{}: nothing was committed there", id, hint.sequenceNumber());
                                return Future.succeededFuture();
                            }
                            return events.head(id).compose(now -> publish(id, now, published));
                        });
            });
        });
    }

    /**
     * Publishes the committed events after {@code published} up to the head, in order, then moves the
     * watermark past what was sent. An event Kafka refuses for good becomes a dead letter: the
     * watermark stops before it, and the aggregate's later events wait behind it.
     */
    private Future<Void> publish(UUID id, EventStore.StreamHead head, long published) {
        String topic = store.topicFor(head.aggregateType());
        return parkedAt(id).compose(parkedAt -> {
            if (parkedAt != null) {
                return Future.succeededFuture();
            }
            return events.load(id, published + 1, head.version())
                    .compose(stream -> sendInOrder(stream, 0, topic))
                    .compose(refused -> {
                        long sent = refused == null ? head.version() : refused.sequenceNumber() - 1;
                        Future<Void> watermark = sent > published ? outbox.markPublished(id, sent)
                                .onSuccess(v -> watermarks.merge(id, sent, Math::max)) : Future.succeededFuture();
                        return refused == null ? watermark : watermark.compose(v -> deadLetter(refused, topic));
                    });
        });
    }

    /** Sends the events in order; answers the first one refused for good, or null when all were sent. */
    private Future<RefusedEvent> sendInOrder(List<? extends EventEnvelope<?>> stream, int from, String topic) {
        if (from == stream.size()) {
            return Future.succeededFuture(null);
        }
        EventEnvelope<?> event = stream.get(from);
        return publisher.publish(event, topic).onSuccess(outcome -> {
            if (outcome.sent()) {
                metrics.published(event.aggregateType(), System.currentTimeMillis() - event.timestamp().toEpochMilli());
            }
        }).compose(outcome -> outcome.sent()
                ? faults.at(FaultInjector.Point.RELAY_PUBLISHED, event.aggregateId()).compose(v -> sendInOrder(stream, from + 1, topic))
                : Future.succeededFuture(new RefusedEvent(event, outcome.refusal())));
    }

    private record RefusedEvent(EventEnvelope<?> event, String refusal) {
        long sequenceNumber() {
            return event.sequenceNumber();
        }
    }

    private Future<Void> deadLetter(RefusedEvent refused, String topic) {
        EventEnvelope<?> event = refused.event();
        LOG.error("Dead letter: {} {}@{} ({}) cannot be published: {}; its later events wait behind it",
                event.aggregateType(), event.aggregateId(), event.sequenceNumber(), event.eventType(), refused.refusal());
        return outbox.deadLetter(new OutboxStore.DeadLetter(event.aggregateId(), event.sequenceNumber(), event.eventId(),
                        event.aggregateType(), event.eventType(), topic, refused.refusal(), Instant.now()))
                .onSuccess(v -> {
                    parked.put(event.aggregateId(), event.sequenceNumber());
                    countDeadLetters();
                });
    }

    /** The sequence number the aggregate is parked at, or null. */
    private Future<Long> parkedAt(UUID id) {
        if (parked.containsKey(id)) {
            return Future.succeededFuture(parked.get(id));
        }
        return outbox.deadLetters(id).map(letters -> {
            if (letters.isEmpty()) {
                return null;
            }
            parked.put(id, letters.get(0).sequenceNumber());
            return letters.get(0).sequenceNumber();
        });
    }

    /** Publishes a parked aggregate again from its dead letter (after, say, the size limit was raised). */
    Future<Void> retry(UUID id) {
        return outbox.removeDeadLetters(id)
                .compose(v -> {
                    parked.remove(id);
                    countDeadLetters();
                    return events.head(id);
                })
                // Back in the backlog from now: its time as a dead letter is the dead-letter gauge's.
                .compose(head -> settle(new OutboxHint(id, head.version(), null, System.currentTimeMillis())));
    }

    /** Gives up on a dead letter: its event is never published, and the aggregate's later events go on. */
    Future<Void> discard(UUID id) {
        return outbox.deadLetters(id).compose(letters -> {
            if (letters.isEmpty()) {
                return Future.succeededFuture();
            }
            long skipped = letters.get(0).sequenceNumber();
            LOG.warn("Discarding dead letter {}@{}: it will never be published", id, skipped);
            return outbox.markPublished(id, skipped)
                    .onSuccess(v -> watermarks.merge(id, skipped, Math::max))
                    .compose(v -> retry(id));
        });
    }

    private Future<Long> watermark(UUID id) {
        Long known = watermarks.get(id);
        return known != null ? Future.succeededFuture(known) : outbox.publishedSequence(id).onSuccess(read ->
                watermarks.merge(id, read, Math::max));
    }
}
