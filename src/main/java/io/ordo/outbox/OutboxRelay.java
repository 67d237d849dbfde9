package io.ordo.outbox;

import io.ordo.config.OrdoConfig;
import io.ordo.es.EventEnvelope;
import io.ordo.ops.OrdoMetrics;
import io.ordo.store.EventStore;
import io.ordo.store.FaultInjector;
import io.ordo.store.OutboxStore;
import io.ordo.store.StoredEvent;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Turns hints into publications, treating hints as hints and the event store as the truth
 * (DESIGN.md §4). For each hinted aggregate it publishes the committed events above its watermark
 * ({@code aggregate_sequence.published_sequence}), in sequence order, and moves the watermark only to
 * the last event actually sent, out of a range read contiguous from the watermark.
 *
 * <p>Work is per aggregate, in a {@link Lane}: hints for one aggregate are coalesced into the highest
 * sequence number asked for (memory grows with the aggregates waiting, never with events or hints),
 * and a lane runs one pass at a time: read (or take from a local commit) at most {@value #PAGE}
 * events after the watermark, send them pipelined (the idempotent producer keeps their order), move
 * the watermark past those acknowledged, and go again while more is asked for. Each pass is a fresh
 * task on the relay's context, never a continuation of the last one, so nothing nests or recurses
 * with the backlog. At most {@code relay.maxConcurrentAggregates} lanes run at once; the others wait
 * their turn in a queue.
 *
 * <p>A hint ahead of the stream (a commit in flight, or an intent that never became one) waits for the
 * verification window, then a SERIAL read decides. An event that cannot be read (a type or version
 * this build does not know), that has no topic, or that Kafka refuses for good becomes a dead letter
 * that parks its aggregate; an outage of Kafka or of the store is retried with backoff, for as long as
 * it lasts, and never makes a dead letter. While the breaker is open no lane reads the store: lanes
 * wait for Kafka, and drain once it answers again.
 */
final class OutboxRelay {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    /** Events read and sent at once for one aggregate. */
    static final int PAGE = 500;
    private static final int KNOWN_CACHE = 10_000;
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    /** How often lanes waiting for Kafka look at the breaker again. */
    private static final long KAFKA_CHECK_MS = 250;

    private final Vertx vertx;
    private final Context context;
    private final EventStore events;
    private final OutboxStore outbox;
    private final Function<String, String> topicOf;
    private final OrdoConfig.Relay config;
    private final KafkaPublisher publisher;
    private final FaultInjector faults;
    private final OrdoMetrics metrics;
    /** The oldest unpublished event of each lane known behind, by event time: the backlog's age. */
    private final Backlog backlog = new Backlog(System::currentTimeMillis);
    /** Dead-letter counts started and shown: a count that finishes after a later one's is stale. */
    private long countsStarted;
    private long countShown;

    /** Aggregates with work asked for or callers waiting. */
    private final Map<UUID, Lane> lanes = new HashMap<>();
    /** Lanes with work, waiting for one of the running slots. */
    private final ArrayDeque<Lane> runnable = new ArrayDeque<>();
    /** Lanes that found the breaker open: they wait without reading the store. */
    private final ArrayDeque<Lane> awaitingKafka = new ArrayDeque<>();
    private int running;
    private long kafkaCheck = -1;
    /** What is known of recently seen aggregates: watermark and dead letter (LRU; a miss is read again). */
    private final Map<UUID, Known> known = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Known> eldest) {
            return size() > KNOWN_CACHE && !lanes.containsKey(eldest.getKey());
        }
    };
    private final List<Promise<Void>> idleWaiters = new ArrayList<>();

    /** One aggregate's watermark, as this relay last read or wrote it (another instance may have moved it on). */
    private static final class Known {
        long watermark;

        Known(long watermark) {
            this.watermark = watermark;
        }
    }

    /**
     * The aggregates parked behind a dead letter, store-wide (any instance's), and at which sequence
     * number: read at start, again every {@value RelayVerticle#DEAD_LETTER_REFRESH_MS} ms and at each park,
     * retry and discard here. A hint for one of them is settled only once the store confirms, after the
     * hint was taken, that it is still parked: an operator's release on another instance is seen at once
     * by the next hint, and nothing is skipped in between.
     */
    private final Map<UUID, Long> parked = new HashMap<>();
    /** Whether the dead letters were read once: until then no lane runs (it could pass a parked one's dead letter). */
    private boolean parkedKnown;

    /** The publication state of one aggregate with work asked for. */
    private static final class Lane {
        final UUID id;
        /** The highest sequence number any hint asked for. */
        long target;
        /** Events of local commits not yet published, contiguous and in order (at most PAGE); may be empty. */
        final ArrayDeque<EventEnvelope<?>> committed = new ArrayDeque<>();
        /** Callers waiting for a sequence number to be settled (published, parked, or known uncommitted). */
        final NavigableMap<Long, List<Promise<Void>>> waiters = new TreeMap<>();
        /** Where the lane is: a new hint schedules an idle lane only (it is coalesced into the others). */
        LaneState state = LaneState.IDLE;
        /** The timer a sleeping lane waits for. */
        long timer = -1;
        /** The earliest time of hints not yet counted in the backlog; Long.MAX_VALUE when none. */
        long hintedSince = Long.MAX_VALUE;
        /** The event time this lane holds in the backlog, or Long.MAX_VALUE. */
        long inBacklog = Long.MAX_VALUE;
        /** When a hint ahead of the stream may be verified (0: none is waiting). */
        long verifyAt;
        int failures;

        Lane(UUID id) {
            this.id = id;
        }

        boolean waitsFor(long watermark) {
            return target > watermark || !waiters.isEmpty();
        }
    }

    private enum LaneState {
        IDLE,
        /** Waiting for a running slot, or running a pass. */
        QUEUED,
        /** Backing off after a failure, or waiting for the verification window. */
        SLEEPING,
        /** The breaker was open: waits for Kafka without reading the store. */
        AWAITING_KAFKA
    }

    /** What a pass found, and so what the lane does next. */
    private enum Next { DONE, AGAIN, RETRY, AWAIT_KAFKA, AWAIT_VERIFICATION }

    /** Made on the context it lives on: every call to it is made there. */
    /** @param topicOf the topic of an aggregate type's events, or null when it has none */
    OutboxRelay(Vertx vertx, EventStore events, OutboxStore outbox, Function<String, String> topicOf, OrdoConfig.Relay config,
                KafkaPublisher publisher, FaultInjector faults, OrdoMetrics metrics) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.events = events;
        this.outbox = outbox;
        this.topicOf = topicOf;
        this.config = config;
        this.publisher = publisher;
        this.faults = faults;
        this.metrics = metrics;
    }

    // ---- hints -----------------------------------------------------------------------------------

    /** Takes a hint and asks for nothing back (the fast path: a local commit needs no answer). */
    void offer(OutboxHint hint) {
        Known knownNow = known.get(hint.aggregateId());
        if (knownNow != null && hint.sequenceNumber() <= knownNow.watermark) {
            return; // on Kafka already
        }
        Lane lane = lane(hint);
        if (lane.state == LaneState.SLEEPING && lane.verifyAt != 0 && !hint.committed().isEmpty()) {
            // Waiting to verify a hint ahead of the stream; these events are known committed: go now.
            vertx.cancelTimer(lane.timer);
            lane.state = LaneState.IDLE;
        }
        schedule(lane);
    }

    /**
     * Completes once the hinted event is published, parked behind a dead letter, or known never to have
     * been committed (for a durable source, which moves its position only past settled hints).
     */
    Future<Void> settle(OutboxHint hint) {
        Known knownNow = known.get(hint.aggregateId());
        if (knownNow != null && hint.sequenceNumber() <= knownNow.watermark) {
            return Future.succeededFuture(); // already on Kafka (a source reading again after a restart, say)
        }
        Lane lane = lane(hint);
        Promise<Void> settled = Promise.promise();
        lane.waiters.computeIfAbsent(hint.sequenceNumber(), s -> new ArrayList<>(1)).add(settled);
        schedule(lane);
        return settled.future();
    }

    private Lane lane(OutboxHint hint) {
        Lane lane = lanes.computeIfAbsent(hint.aggregateId(), Lane::new);
        lane.target = Math.max(lane.target, hint.sequenceNumber());
        lane.hintedSince = Math.min(lane.hintedSince, hint.eventTimeMs());
        if (!hint.committed().isEmpty()) {
            keepCommitted(lane, hint.committed());
        }
        return lane;
    }

    /** Keeps a local commit's events for publication without a read, if they continue what the lane holds. */
    private static void keepCommitted(Lane lane, List<EventEnvelope<?>> events) {
        EventEnvelope<?> first = events.get(0);
        boolean continues = !lane.committed.isEmpty()
                && lane.committed.peekLast().sequenceNumber() + 1 == first.sequenceNumber();
        if (!continues || lane.committed.size() + events.size() > PAGE) {
            lane.committed.clear(); // what it held is read from the store instead
        }
        if (events.size() <= PAGE) {
            lane.committed.addAll(events);
        }
    }

    /** Queues an idle lane for a pass; a lane queued, sleeping or waiting for Kafka takes the hint as it is. */
    private void schedule(Lane lane) {
        if (lane.state != LaneState.IDLE) {
            return;
        }
        lane.state = LaneState.QUEUED;
        runnable.add(lane);
        startRunnable();
    }

    /** Wakes a lane after its sleep. */
    private void wake(Lane lane) {
        lane.state = LaneState.IDLE;
        lane.timer = -1;
        schedule(lane);
    }

    private void startRunnable() {
        while (parkedKnown && running < config.maxConcurrentAggregates() && !runnable.isEmpty()) {
            Lane lane = runnable.poll();
            running++;
            // A task of its own: a pass never runs as the continuation of another one.
            context.runOnContext(v -> safePass(lane).onComplete(done ->
                    passed(lane, done.succeeded() ? done.result() : retry(lane, done.cause()))));
        }
        if (running == 0 && runnable.isEmpty()) {
            idleWaiters.forEach(Promise::tryComplete);
            idleWaiters.clear();
        }
    }

    private Future<Next> safePass(Lane lane) {
        try {
            return pass(lane);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private Next retry(Lane lane, Throwable failure) {
        if (lane.failures % 10 == 0) {
            LOG.warn("Publishing {} up to {} failed ({}); retrying with backoff", lane.id, lane.target, failure.toString());
        }
        return Next.RETRY;
    }

    /** After a pass: the lane goes again, sleeps, waits for Kafka, or is done. */
    private void passed(Lane lane, Next next) {
        running--;
        Known state = known.get(lane.id);
        long watermark = state == null ? 0 : state.watermark;
        switch (next) {
            case DONE -> {
                if (lane.waitsFor(watermark) && !parked.containsKey(lane.id)) {
                    runnable.add(lane); // hints arrived during the pass
                } else {
                    lane.state = LaneState.IDLE;
                    retire(lane);
                }
            }
            case AGAIN -> runnable.add(lane); // at the back: other aggregates get their turn
            case RETRY -> {
                lane.failures++;
                long ceiling = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(lane.failures, 6));
                long pause = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1); // jitter
                sleep(lane, pause);
            }
            case AWAIT_KAFKA -> {
                lane.state = LaneState.AWAITING_KAFKA;
                awaitingKafka.add(lane);
                watchKafka();
            }
            case AWAIT_VERIFICATION -> sleep(lane, Math.max(1, lane.verifyAt - System.currentTimeMillis()));
        }
        startRunnable();
    }

    private void sleep(Lane lane, long ms) {
        lane.state = LaneState.SLEEPING;
        lane.timer = vertx.setTimer(ms, t -> wake(lane));
    }

    /** A lane with nothing asked for leaves the backlog and the map. */
    private void retire(Lane lane) {
        setBacklog(lane, Long.MAX_VALUE);
        lane.committed.clear();
        lanes.remove(lane.id, lane);
    }

    /** While lanes wait for Kafka, looks at the breaker now and then: half-open lets one lane try, closed all. */
    private void watchKafka() {
        if (kafkaCheck >= 0) {
            return;
        }
        kafkaCheck = vertx.setPeriodic(KAFKA_CHECK_MS, t -> {
            CircuitBreakerState state = publisher.state();
            if (state == CircuitBreakerState.CLOSED) {
                while (!awaitingKafka.isEmpty()) {
                    wake(awaitingKafka.poll());
                }
            } else if (state == CircuitBreakerState.HALF_OPEN && !awaitingKafka.isEmpty() && running == 0) {
                wake(awaitingKafka.poll()); // its first send is the breaker's trial
            }
            if (awaitingKafka.isEmpty()) {
                vertx.cancelTimer(kafkaCheck);
                kafkaCheck = -1;
            }
        });
    }

    // ---- one pass --------------------------------------------------------------------------------

    /** One page of one aggregate's publication. */
    private Future<Next> pass(Lane lane) {
        if (publisher.state() == CircuitBreakerState.OPEN) {
            if (!lane.committed.isEmpty() && lane.inBacklog == Long.MAX_VALUE) {
                setBacklog(lane, lane.hintedSince); // just committed, so unpublished: it ages while Kafka is away
            }
            return Future.succeededFuture(Next.AWAIT_KAFKA); // no store read while Kafka cannot take anything
        }
        if (parked.containsKey(lane.id)) {
            return stillParked(lane);
        }
        return known(lane.id).compose(state -> {
            long watermark = state.watermark;
            completeUpTo(lane, watermark);
            dropCommittedUpTo(lane, watermark);
            if (lane.target <= watermark) {
                return Future.succeededFuture(Next.DONE);
            }
            // Known unpublished from here: backlog, from its oldest hint's time.
            if (lane.inBacklog == Long.MAX_VALUE) {
                setBacklog(lane, lane.hintedSince);
            }
            lane.hintedSince = Long.MAX_VALUE;
            if (!lane.committed.isEmpty() && lane.committed.peekFirst().sequenceNumber() == watermark + 1) {
                List<StoredEvent> page = new ArrayList<>(lane.committed.size());
                lane.committed.forEach(event -> page.add(readable(event)));
                return publish(lane, state, page);
            }
            long last = Math.min(lane.target, watermark + PAGE);
            return events.readForPublication(lane.id, watermark + 1, last).compose(rows -> {
                List<StoredEvent> contiguous = contiguousFrom(rows, watermark + 1);
                if (!contiguous.isEmpty()) {
                    return publish(lane, state, contiguous);
                }
                return nothingAt(lane, state);
            });
        });
    }

    @SuppressWarnings("unchecked")
    private static StoredEvent readable(EventEnvelope<?> event) {
        return new StoredEvent.Readable((EventEnvelope<io.ordo.es.DomainEvent>) event);
    }

    /** The rows numbered {@code first}, {@code first + 1}, ... up to the first gap: a short or gapped read ends there. */
    private static List<StoredEvent> contiguousFrom(List<StoredEvent> rows, long first) {
        int count = 0;
        while (count < rows.size() && rows.get(count).sequenceNumber() == first + count) {
            count++;
        }
        return rows.subList(0, count);
    }

    /**
     * Nothing was read right after the watermark though more was asked for: a read that came back short
     * (retried), or hints ahead of the stream, which wait for the verification window and then a SERIAL
     * read decides whether anything above the watermark was committed.
     */
    private Future<Next> nothingAt(Lane lane, Known state) {
        long watermark = state.watermark;
        if (lane.verifyAt == 0) {
            return events.head(lane.id).map(head -> {
                if (head.version() > watermark) {
                    LOG.info("Reading {} after {} came back short of its head {}; reading again", lane.id, watermark,
                            head.version());
                    return Next.RETRY;
                }
                lane.verifyAt = System.currentTimeMillis() + config.verificationWindowMs();
                return Next.AWAIT_VERIFICATION;
            });
        }
        if (System.currentTimeMillis() < lane.verifyAt) {
            return Future.succeededFuture(Next.AWAIT_VERIFICATION);
        }
        return events.serialHead(lane.id).map(head -> {
            lane.verifyAt = 0;
            if (head.version() > watermark) {
                return Next.AGAIN; // committed meanwhile: publish it
            }
            LOG.info("Dropping hints for {} up to {}: nothing was committed after {}", lane.id, lane.target, watermark);
            lane.target = watermark;
            completeAll(lane);
            return Next.DONE;
        });
    }

    /**
     * Sends the page's readable events up to the first one that cannot be published, pipelined; moves the
     * watermark past the leading ones Kafka acknowledged; parks the aggregate at the first one that can
     * never be published. A send that failed (an outage) stops the watermark before it, to be retried.
     */
    private Future<Next> publish(Lane lane, Known state, List<StoredEvent> page) {
        List<KafkaPublisher.Prepared> sendable = new ArrayList<>(page.size());
        StoredEvent stopper = null;
        String unpublishable = null;
        for (StoredEvent row : page) {
            if (row instanceof StoredEvent.Unreadable unreadable) {
                stopper = row;
                unpublishable = "cannot read event " + unreadable.eventType() + " v" + unreadable.eventVersion()
                        + ": " + unreadable.error();
                break;
            }
            EventEnvelope<?> event = ((StoredEvent.Readable) row).envelope();
            String topic = topicOf.apply(event.aggregateType());
            if (topic == null) {
                stopper = row;
                unpublishable = "no topic is configured for aggregate type " + event.aggregateType();
                break;
            }
            KafkaPublisher.Prepared prepared = publisher.prepare(event, topic);
            if (prepared.refusal() != null) {
                stopper = row; // refused before anything after it is sent
                unpublishable = prepared.refusal();
                break;
            }
            sendable.add(prepared);
        }
        List<Future<KafkaPublisher.Outcome>> sends = new ArrayList<>(sendable.size());
        for (KafkaPublisher.Prepared prepared : sendable) {
            sends.add(publisher.publish(prepared));
        }
        StoredEvent unpublishableRow = stopper;
        String reason = unpublishable;
        return Future.join(sends).transform(all -> {
            int sent = 0;
            String refused = null;
            boolean outage = false;
            for (Future<KafkaPublisher.Outcome> send : sends) {
                if (send.failed()) {
                    outage = true;
                    break;
                }
                if (!send.result().sent()) {
                    refused = send.result().refusal(); // by the broker: what follows may have gone (see prepare)
                    break;
                }
                EventEnvelope<?> event = sendable.get(sent).event();
                metrics.published(event.aggregateType(), System.currentTimeMillis() - event.timestamp().toEpochMilli());
                sent++;
            }
            int acknowledged = sent;
            String refusal = refused;
            boolean failed = outage;
            return moveWatermark(lane, state, sendable, acknowledged).compose(v -> {
                if (refusal != null) {
                    KafkaPublisher.Prepared refusedOne = sendable.get(acknowledged);
                    return deadLetter(lane, state, refusedOne.event(), refusedOne.record().topic(), refusal);
                }
                if (failed) {
                    lane.committed.clear(); // read again from the store on the retry
                    return Future.succeededFuture(publisher.state() == CircuitBreakerState.OPEN ? Next.AWAIT_KAFKA : Next.RETRY);
                }
                if (unpublishableRow != null) {
                    return deadLetter(lane, state, unpublishableRow, reason);
                }
                lane.failures = 0;
                lane.verifyAt = 0;
                return Future.succeededFuture(lane.waitsFor(state.watermark) ? Next.AGAIN : Next.DONE);
            });
        });
    }

    /** Moves the watermark to the last of the first {@code sent} events, once the crash point is passed. */
    private Future<Void> moveWatermark(Lane lane, Known state, List<KafkaPublisher.Prepared> sendable, int sent) {
        if (sent == 0) {
            return Future.succeededFuture();
        }
        EventEnvelope<?> last = sendable.get(sent - 1).event();
        long published = last.sequenceNumber();
        return faults.at(FaultInjector.Point.RELAY_PUBLISHED, lane.id)
                .compose(v -> outbox.markPublished(lane.id, published))
                .onSuccess(v -> {
                    state.watermark = Math.max(state.watermark, published);
                    completeUpTo(lane, state.watermark);
                    dropCommittedUpTo(lane, state.watermark);
                    // What is left is newer than what was sent: its age counts from no later than that.
                    setBacklog(lane, lane.target > state.watermark ? Math.min(lane.hintedSince,
                            last.timestamp().toEpochMilli()) : Long.MAX_VALUE);
                    if (lane.target <= state.watermark) {
                        lane.hintedSince = Long.MAX_VALUE;
                    }
                });
    }

    private Future<Next> deadLetter(Lane lane, Known state, StoredEvent row, String error) {
        if (row instanceof StoredEvent.Unreadable unreadable) {
            String topic = topicOf.apply(unreadable.aggregateType());
            return park(lane, state, new OutboxStore.DeadLetter(unreadable.aggregateId(), unreadable.sequenceNumber(),
                    unreadable.eventId(), unreadable.aggregateType(), unreadable.eventType(), topic, error, Instant.now()));
        }
        EventEnvelope<?> event = ((StoredEvent.Readable) row).envelope();
        return deadLetter(lane, state, event, topicOf.apply(event.aggregateType()), error);
    }

    private Future<Next> deadLetter(Lane lane, Known state, EventEnvelope<?> event, String topic, String error) {
        return park(lane, state, new OutboxStore.DeadLetter(event.aggregateId(), event.sequenceNumber(), event.eventId(),
                event.aggregateType(), event.eventType(), topic, error, Instant.now()));
    }

    /**
     * Records the dead letter; the aggregate's later events wait behind it for an operator. Unless the store's
     * watermark is past it already: another instance published or discarded it (after an operator's retry there),
     * and this instance's watermark was stale.
     */
    private Future<Next> park(Lane lane, Known state, OutboxStore.DeadLetter letter) {
        return outbox.publishedSequence(lane.id).compose(stored -> {
            if (stored >= letter.sequenceNumber()) {
                state.watermark = Math.max(state.watermark, stored);
                return Future.succeededFuture(Next.AGAIN);
            }
            return recordDeadLetter(lane, state, letter);
        });
    }

    private Future<Next> recordDeadLetter(Lane lane, Known state, OutboxStore.DeadLetter letter) {
        LOG.error("Dead letter: {} {}@{} ({}) cannot be published: {}; its later events wait behind it",
                letter.aggregateType(), letter.aggregateId(), letter.sequenceNumber(), letter.eventType(), letter.error());
        return outbox.deadLetter(letter).map(v -> {
            parked.put(letter.aggregateId(), letter.sequenceNumber());
            lane.target = state.watermark;
            completeAll(lane);
            countDeadLetters();
            return Next.DONE;
        });
    }

    // ---- what is known of an aggregate -------------------------------------------------------------

    /** The aggregate's watermark, from memory, or read once from the store. */
    private Future<Known> known(UUID id) {
        Known cached = known.get(id);
        if (cached != null) {
            return Future.succeededFuture(cached);
        }
        Lane lane = lanes.get(id);
        if (lane != null && !lane.committed.isEmpty() && lane.committed.peekFirst().sequenceNumber() == 1) {
            // Created by a local commit just now: nothing was published before it.
            Known created = new Known(0);
            known.put(id, created);
            return Future.succeededFuture(created);
        }
        return outbox.publishedSequence(id).map(watermark -> known.computeIfAbsent(id, k -> new Known(watermark)));
    }

    /**
     * A lane of an aggregate known parked: its hints are given up (settled) only once a read made after
     * they were taken confirms the dead letter; if it is gone (released on another instance), the lane
     * publishes.
     */
    private Future<Next> stillParked(Lane lane) {
        return outbox.deadLetters(lane.id).map(letters -> {
            if (letters.isEmpty()) {
                parked.remove(lane.id);
                known.remove(lane.id); // a discard moved the watermark: read it again
                return Next.AGAIN;
            }
            parked.put(lane.id, letters.get(0).sequenceNumber());
            completeAll(lane); // waits behind its dead letter for an operator
            lane.target = 0;
            setBacklog(lane, Long.MAX_VALUE);
            return Next.DONE;
        });
    }

    private static void completeUpTo(Lane lane, long watermark) {
        NavigableMap<Long, List<Promise<Void>>> settled = lane.waiters.headMap(watermark, true);
        settled.values().forEach(waiting -> waiting.forEach(Promise::tryComplete));
        settled.clear();
    }

    private static void completeAll(Lane lane) {
        lane.waiters.values().forEach(waiting -> waiting.forEach(Promise::tryComplete));
        lane.waiters.clear();
        lane.committed.clear();
    }

    private static void dropCommittedUpTo(Lane lane, long watermark) {
        Iterator<EventEnvelope<?>> held = lane.committed.iterator();
        while (held.hasNext() && held.next().sequenceNumber() <= watermark) {
            held.remove();
        }
    }

    private void setBacklog(Lane lane, long eventTimeMs) {
        if (lane.inBacklog == eventTimeMs) {
            return;
        }
        if (lane.inBacklog != Long.MAX_VALUE) {
            backlog.remove(lane.inBacklog);
        }
        if (eventTimeMs != Long.MAX_VALUE) {
            backlog.add(eventTimeMs);
        }
        lane.inBacklog = eventTimeMs;
    }

    // ---- for the verticle and the operators ------------------------------------------------------

    /** Reads the dead letters, and from then on runs the lanes: a relay takes hints before, and publishes after. */
    Future<Void> start() {
        return countDeadLetters();
    }

    /** Completes once no lane runs or waits for a slot (lanes sleeping on a backoff, Kafka or verification aside). */
    Future<Void> idle() {
        if (running == 0 && runnable.isEmpty()) {
            return Future.succeededFuture();
        }
        Promise<Void> idle = Promise.promise();
        idleWaiters.add(idle);
        return idle.future();
    }

    /** Aggregates with work asked for (for the status and the tests). */
    int lanes() {
        return lanes.size();
    }

    /** Now minus the time of the oldest event known unpublished, in ms (0 when none); any thread. */
    long backlogAgeMs() {
        return backlog.ageMs();
    }

    /**
     * Reads the dead letters parked in the store now (every instance's, and those left from before a
     * restart): the aggregates known parked, and the dead-letter gauge. Reads the whole table: it is
     * small, an operator's list. A read that finishes after a later one's is stale, and dropped.
     */
    Future<Void> countDeadLetters() {
        long count = ++countsStarted;
        return outbox.allDeadLetters().onComplete(letters -> {
            if (letters.failed()) {
                LOG.debug("Reading the dead letters failed; the last read stands: {}", letters.cause().toString());
            } else if (count > countShown) {
                countShown = count;
                Set<UUID> before = new HashSet<>(parked.keySet());
                parked.clear();
                letters.result().forEach(letter -> parked.merge(letter.aggregateId(), letter.sequenceNumber(), Math::min));
                // Released elsewhere: a retry or discard there moved the watermark, so read it again here.
                before.stream().filter(id -> !parked.containsKey(id)).forEach(known::remove);
                metrics.deadLetters(letters.result().size());
                if (!parkedKnown) {
                    parkedKnown = true;
                    startRunnable();
                }
            }
        }).mapEmpty();
    }

    /** Publishes a parked aggregate again from its dead letter (after, say, the size limit was raised). */
    Future<Void> retry(UUID id) {
        return outbox.removeDeadLetters(id)
                .compose(v -> {
                    parked.remove(id);
                    known.remove(id); // read the watermark again
                    countDeadLetters();
                    return events.head(id);
                })
                // Back in the backlog from now: its time as a dead letter is the dead-letter gauge's.
                .compose(head -> head.version() == 0 ? Future.succeededFuture()
                        : settle(OutboxHint.of(id, head.version(), System.currentTimeMillis())));
    }

    /** Gives up on a dead letter: its event is never published, and the aggregate's later events go on. */
    Future<Void> discard(UUID id) {
        return outbox.deadLetters(id).compose(letters -> {
            if (letters.isEmpty()) {
                return Future.succeededFuture();
            }
            long skipped = letters.get(0).sequenceNumber();
            LOG.warn("Discarding dead letter {}@{}: it will never be published", id, skipped);
            return outbox.markPublished(id, skipped).compose(v -> retry(id));
        });
    }
}
