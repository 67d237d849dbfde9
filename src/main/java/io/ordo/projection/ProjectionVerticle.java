package io.ordo.projection;

import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.ops.InTurn;
import io.ordo.ops.OrdoMetrics;
import io.ordo.ops.Retry;
import io.ordo.domain.DomainEvents;
import io.ordo.es.Aggregate;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializationException;
import io.ordo.es.EventSerializer;
import io.ordo.store.AggregateRepository;
import io.ordo.store.FaultInjector;
import io.ordo.store.ReadModelStore;
import io.ordo.store.ReadModelStore.ParkedEvent;
import io.ordo.store.Store;
import io.ordo.store.StoreFailures;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The read side: consumes the event topics in the consumer group of {@code projections.consumerGroup}
 * and keeps each {@link Projection}'s tables. A poll's records are grouped by aggregate; aggregates run
 * in parallel, each one's events in order; offsets are committed only once every write of the poll
 * succeeded (after a failure the consumer seeks back and the poll is done again: writes are idempotent).
 *
 * <p>An event continues the aggregate's state held in memory; a duplicate or older event is skipped;
 * an event after a gap (or with no state in memory) takes the state at its version from the event
 * store, so a missed or reordered delivery never leaves a row behind. An event that keeps failing is
 * parked in {@code projection_dead_letters} and its aggregate's later events wait for an operator's
 * retry. Rebuilds replay the event store (not Kafka) into the same tables with a higher epoch.
 */
public final class ProjectionVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(ProjectionVerticle.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final int STREAM_PAGE = 500;
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final long PARKED_REFRESH_MS = 30_000;
    private static final long STOP_WAIT_MS = 3_000;

    private final OrdoConfig.Projections config;
    private final OrdoMetrics metrics;
    private final FaultInjector faults;
    private final Map<String, String> topics;
    private final OrdoConfig.Relay relay;
    private final Store store;
    private final ReadModelStore readModels;
    private final Map<String, Projection<?>> byType = new HashMap<>();
    private final Map<String, Projection<?>> byName = new LinkedHashMap<>();
    private final Map<String, Map<UUID, Aggregate<?>>> projected = new HashMap<>();
    private final Map<String, Map<UUID, ParkedEvent>> parked = new HashMap<>();
    private final Map<String, Rebuild> rebuilds = new HashMap<>();
    /** The last rebuild this instance ran of each projection: its swept count is not in the table. */
    private final Map<String, Rebuild> finished = new HashMap<>();
    private final EnvelopeCodec codec = new EnvelopeCodec(new EventSerializer(DomainEvents.registry()));
    private final Promise<Void> stopped = Promise.promise();
    private KafkaConsumer<String, String> consumer;
    private Retry retry;
    /** The dead letters as last read: a poll waits for them, so a parked aggregate never goes past its dead letter. */
    private Future<Void> parkedLoaded = Future.succeededFuture();
    private boolean stopping;
    /** For the metrics (read on another thread): since when the records in hand have waited, and the dead letters. */
    private volatile long inHandSinceMs;
    /** Dead-letter reads started, and the read under way when an aggregate was parked here (see loadParked). */
    private long loadsStarted;
    private final Map<UUID, Long> parkedDuringLoad = new HashMap<>();
    private volatile int parkedCount;
    private long appliedEvents;
    private long skippedEvents;
    private Instant lastEventTime;
    private long lastLagMs;

    public ProjectionVerticle(OrdoConfig config, Store store, OrdoMetrics metrics, FaultInjector faults) {
        this.faults = faults;
        this.metrics = metrics;
        this.config = config.projections();
        this.topics = config.store().topics();
        this.relay = config.relay();
        this.store = store;
        this.readModels = store.readModels();
        for (Projection<?> projection : List.of(new OrderProjection(readModels), new CustomerProjection(readModels))) {
            byType.put(projection.aggregateType(), projection);
            byName.put(projection.name(), projection);
            projected.put(projection.name(), lru(this.config.cacheSize()));
            parked.put(projection.name(), new HashMap<>());
        }
    }

    @Override
    public Future<?> start() {
        retry = new Retry(vertx, config.retryBackoffMs(), MAX_BACKOFF_MS);
        consumer = KafkaConsumer.create(vertx, relay.kafkaClient(Map.of(
                "group.id", config.consumerGroup(),
                "auto.offset.reset", "earliest",
                "enable.auto.commit", "false",
                "max.poll.records", "10000",
                "max.partition.fetch.bytes", "16777216",
                "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer")));
        consumer.exceptionHandler(e -> LOG.warn("Projection consumer: {}", e.toString()));
        // Another instance may have written these aggregates meanwhile: forget, and re-read what is parked.
        consumer.partitionsAssignedHandler(partitions -> {
            projected.values().forEach(Map::clear);
            inHandSinceMs = 0; // records of revoked partitions are another instance's now
            parkedLoaded = loadParked();
        });
        vertx.eventBus().<JsonObject>localConsumer(Addresses.PROJECTIONS, this::operate);
        metrics.projections(() -> inHandSinceMs, () -> parkedCount);
        // Other instances park and retry too: the dead letters are read again now and then.
        vertx.setPeriodic(PARKED_REFRESH_MS, t -> loadParked());
        List<String> subscribed = byType.keySet().stream().map(topics::get).toList();
        parkedLoaded = loadParked();
        return parkedLoaded.compose(v -> consumer.subscribe(Set.copyOf(subscribed))).onSuccess(v -> poll());
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        // The poll in hand ends at its next step (retries give up once stopping); what is not committed is
        // read again by whoever takes the partitions. Neither it nor the consumer's close may hold a stop up.
        return Future.any(stopped.future(), vertx.timer(STOP_WAIT_MS))
                .transform(v -> Future.any(consumer.close(), vertx.timer(STOP_WAIT_MS)));
    }

    private Future<Void> loadParked() {
        long load = ++loadsStarted;
        List<Future<?>> loads = new ArrayList<>();
        for (String name : byName.keySet()) {
            loads.add(readModels.parked(name).onSuccess(events -> {
                Map<UUID, ParkedEvent> mine = parked.get(name);
                // What this instance parked after the read went out may not be in it: kept.
                Map<UUID, ParkedEvent> since = new HashMap<>();
                mine.forEach((id, event) -> {
                    if (parkedDuringLoad.getOrDefault(id, 0L) >= load) {
                        since.put(id, event);
                    }
                });
                mine.clear();
                events.forEach(event -> mine.put(event.aggregateId(), event));
                mine.putAll(since);
                countParked();
            }));
        }
        return Future.all(loads).mapEmpty();
    }

    // ---- the live path -----------------------------------------------------------------------------

    private void poll() {
        if (stopping) {
            stopped.tryComplete();
            return;
        }
        consumer.poll(POLL_TIMEOUT).compose(this::process).onComplete(done -> {
            if (done.succeeded()) {
                poll();
            } else {
                LOG.warn("Projecting a poll failed; it will be read again: {}", done.cause().toString());
                vertx.setTimer(config.retryBackoffMs(), t -> poll());
            }
        });
    }

    private Future<Void> process(KafkaConsumerRecords<String, String> batch) {
        if (batch.isEmpty()) {
            inHandSinceMs = 0; // nothing waits (records of a failed poll would be read again)
            return Future.succeededFuture();
        }
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        Map<UUID, List<ConsumerRecord<String, String>>> byAggregate = new LinkedHashMap<>();
        long oldest = Long.MAX_VALUE;
        for (ConsumerRecord<String, String> record : batch.records()) {
            oldest = Math.min(oldest, record.timestamp());
            firstOffsets.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
            UUID aggregateId = uuidOrNull(record.key());
            if (aggregateId == null) {
                LOG.warn("Skipping a record of {} whose key is not an aggregate id: {}", record.topic(), record.key());
                skippedEvents++;
                continue;
            }
            byAggregate.computeIfAbsent(aggregateId, id -> new ArrayList<>()).add(record);
        }
        if (inHandSinceMs == 0) { // a poll read again after a failure keeps its first time
            inHandSinceMs = oldest;
        }
        if (parkedLoaded.failed()) {
            parkedLoaded = loadParked();
        }
        // After a rebalance (its handler runs before this poll's records) another instance's parked aggregates may
        // be here: their events wait until the dead letters are known.
        return parkedLoaded.compose(v -> {
                    List<Future<Void>> aggregates = new ArrayList<>(byAggregate.size());
                    byAggregate.forEach((id, records) -> aggregates.add(consume(id, records)));
                    // join, not all: a seek-back must wait for every aggregate's chain, or a retrying chain would
                    // race the same aggregate's events read again
                    return Future.join(aggregates);
                }).compose(v -> consumer.commit())
                .onSuccess(v -> inHandSinceMs = 0)
                .recover(failure -> seekBack(firstOffsets).transform(v -> Future.failedFuture(failure)));
    }

    private Future<Void> seekBack(Map<TopicPartition, Long> offsets) {
        List<Future<Void>> seeks = new ArrayList<>();
        // A partition taken away by a rebalance meanwhile cannot be sought; its new owner reads from the commit.
        offsets.forEach((partition, offset) -> seeks.add(consumer.seek(partition, offset).otherwiseEmpty()));
        return Future.join(seeks).mapEmpty();
    }

    /** A run of one aggregate's readable events of one projection, or a record that could not be read. */
    private record Step(Projection<?> projection, List<EventEnvelope<?>> events, ConsumerRecord<String, String> record,
                        RuntimeException unreadable) {
    }

    /**
     * One aggregate's records of a poll, in order. Consecutive readable events are applied together and
     * their rows written once, at the last version (the rows hold a state, not a history); an unreadable
     * record is attempted on its own, after what came before it. The steps run in turn, as a loop.
     */
    private Future<Void> consume(UUID aggregateId, List<ConsumerRecord<String, String>> records) {
        List<Step> steps = new ArrayList<>();
        Projection<?> runOf = null;
        List<EventEnvelope<?>> run = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            EventEnvelope<?> event;
            try {
                event = codec.decode(record.value());
            } catch (RuntimeException e) { // EventSerializationException, or a payload that breaks the envelope
                if (!run.isEmpty()) {
                    steps.add(new Step(runOf, run, null, null));
                    run = new ArrayList<>();
                }
                Projection<?> projection = projectionOfTopic(record.topic());
                if (projection != null) {
                    steps.add(new Step(projection, List.of(), record,
                            new EventSerializationException("not a readable envelope: " + e.getMessage(), e)));
                }
                continue;
            }
            Projection<?> projection = byType.get(event.aggregateType());
            if (projection == null || !aggregateId.equals(event.aggregateId())) {
                skippedEvents++;
                continue;
            }
            if (projection != runOf && !run.isEmpty()) {
                steps.add(new Step(runOf, run, null, null));
                run = new ArrayList<>();
            }
            runOf = projection;
            run.add(event);
        }
        if (!run.isEmpty()) {
            steps.add(new Step(runOf, run, null, null));
        }
        return InTurn.each(context, steps, step -> attempt(step, aggregateId));
    }

    /**
     * Applies a step (or fails with its unreadable record), retrying with backoff: for as long as the
     * store is out (it will come back: nothing is parked for it, the lag gauge shows the wait), and up to
     * {@code projections.maxAttempts} times for a failure that would happen again (an event that cannot
     * be read or applied), which is then parked.
     */
    private Future<Void> attempt(Step step, UUID aggregateId) {
        Projection<?> projection = step.projection();
        Map<UUID, ParkedEvent> parkedHere = parked.get(projection.name());
        Future<Boolean> waiting = !parkedHere.containsKey(aggregateId) ? Future.succeededFuture(false)
                // The table decides: a retry on another instance may have let the aggregate go since.
                : readModels.isParked(projection.name(), aggregateId).map(still -> {
                    if (!still) {
                        parkedHere.remove(aggregateId);
                        countParked();
                    }
                    return still;
                });
        return waiting.compose(still -> {
            if (still) {
                skippedEvents += Math.max(1, step.events().size()); // waits behind its parked event
                return Future.succeededFuture();
            }
            int[] lasting = {0};
            return retry.run(() -> step.unreadable() != null ? Future.failedFuture(step.unreadable())
                            : apply(projection, aggregateId, step.events()),
                    (failure, attempt) -> {
                        if (stopping) {
                            return false;
                        }
                        if (StoreFailures.isOutage(failure)) {
                            if (attempt % 10 == 1) {
                                LOG.warn("Projection {} waits for the store to apply {} (attempt {}): {}", projection.name(),
                                        aggregateId, attempt, failure.toString());
                            }
                            return true;
                        }
                        LOG.debug("Projection {} failed on {} (attempt {}): {}", projection.name(), aggregateId, attempt,
                                failure.toString());
                        return ++lasting[0] < config.maxAttempts();
                    })
                    .recover(failure -> stopping || StoreFailures.isOutage(failure) ? Future.failedFuture(failure)
                            : park(projection, aggregateId, step.record(), step.events(), failure, lasting[0]));
        });
    }

    /**
     * Folds the events into the state held in memory: a duplicate or older event is skipped, the next
     * one applied; after a gap (or with nothing in memory) the state at the run's highest version is read
     * from the event store instead, once. Then the rows are written once, at the last version.
     */
    @SuppressWarnings("unchecked")
    private <S> Future<Void> apply(Projection<S> projection, UUID id, List<EventEnvelope<?>> events) {
        Map<UUID, Aggregate<?>> states = projected.get(projection.name());
        Aggregate<S> known = (Aggregate<S>) states.get(id);
        Aggregate<S> state = known;
        boolean gap = false;
        long highest = 0;
        for (EventEnvelope<?> event : events) {
            long sequence = event.sequenceNumber();
            highest = Math.max(highest, sequence);
            if (gap) {
                continue;
            }
            if (state != null && state.version() >= sequence) {
                skippedEvents++; // a duplicate or a late event: the rows already hold a later version
            } else if ((state != null && state.version() == sequence - 1) || (state == null && sequence == 1)) {
                try {
                    state = (state != null ? state : Aggregate.empty(projection.decider(), id)).apply(projection.decider(), event);
                } catch (RuntimeException e) {
                    return Future.failedFuture(e);
                }
            } else {
                gap = true;
            }
        }
        boolean filled = gap;
        Future<Aggregate<S>> folded = gap && (known == null || known.version() < highest)
                ? stateAt(projection, id, highest) : Future.succeededFuture(state);
        Instant oldest = events.get(0).timestamp();
        return folded.compose(after -> {
            if (after == known || after == null) {
                return Future.succeededFuture();
            }
            // What the rows are known to hold: what this projection wrote, else unknown (even from the first
            // event: a server before a restart may have written them).
            Aggregate<S> previous = filled ? null : known;
            return faults.at(FaultInjector.Point.PROJECTION_WRITE, id)
                    .compose(v -> projection.write(after, previous, Projection.writeTime(after.version(), 0))).map(v -> {
                states.put(id, after);
                long applied = after.version() - previous(known);
                appliedEvents += applied;
                lastEventTime = events.get(events.size() - 1).timestamp();
                lastLagMs = Math.max(0, System.currentTimeMillis() - oldest.toEpochMilli());
                metrics.projected(projection.name(), (int) applied, lastLagMs);
                vertx.eventBus().publish(Addresses.PROJECTED,
                        new Projected(projection.aggregateType(), id, after.version(), oldest));
                return null;
            });
        });
    }

    private void countParked() {
        parkedDuringLoad.keySet().removeIf(id -> parked.values().stream().noneMatch(mine -> mine.containsKey(id)));
        parkedCount = parked.values().stream().mapToInt(Map::size).sum();
    }

    private static long previous(Aggregate<?> known) {
        return known == null ? 0 : known.version();
    }

    /** The state after event {@code sequence}, from the event store: for a gap, or nothing in memory. */
    private <S> Future<Aggregate<S>> stateAt(Projection<S> projection, UUID id, long sequence) {
        return repository(projection).loadAt(id, sequence).compose(state -> state.version() == sequence
                ? Future.succeededFuture(state)
                : Future.failedFuture(new IllegalStateException("the event store has no version " + sequence + " of "
                + id + " (it is at version " + state.version() + ")")));
    }

    private Future<Void> park(Projection<?> projection, UUID aggregateId, ConsumerRecord<String, String> record,
                              List<EventEnvelope<?>> events, Throwable failure, int attempts) {
        EventEnvelope<?> event = firstUnapplied(projection, aggregateId, events);
        JsonObject raw = event != null ? null : lenient(record.value());
        ParkedEvent parkedEvent = new ParkedEvent(aggregateId,
                event != null ? event.sequenceNumber() : raw.getLong("sequenceNumber", headerLong(record, "sequence_number")),
                event != null ? event.eventId() : uuidOrNull(raw.getString("eventId", header(record, "event_id"))),
                event != null ? event.eventType() : raw.getString("eventType", header(record, "event_type")),
                String.valueOf(failure.getMessage()), attempts, Instant.now());
        LOG.error("Projection {} parked {} at event {} after {} attempts: {}; its later events wait for a retry "
                        + "(POST /ops/projections/{}/dead-letters/{}/retry)", projection.name(), aggregateId,
                parkedEvent.sequenceNumber(), attempts, failure.toString(), projection.name(), aggregateId);
        return readModels.park(projection.name(), parkedEvent)
                .onSuccess(v -> {
                    parked.get(projection.name()).put(aggregateId, parkedEvent);
                    parkedDuringLoad.put(aggregateId, loadsStarted);
                    countParked();
                });
    }

    /** The first of {@code events} above the state in memory: where a failing run is parked. */
    private EventEnvelope<?> firstUnapplied(Projection<?> projection, UUID aggregateId, List<EventEnvelope<?>> events) {
        Aggregate<?> known = projected.get(projection.name()).get(aggregateId);
        long version = known == null ? 0 : known.version();
        return events.stream().filter(event -> event.sequenceNumber() > version).findFirst()
                .orElse(events.isEmpty() ? null : events.get(0));
    }

    // ---- operations --------------------------------------------------------------------------------

    private void operate(Message<JsonObject> message) {
        JsonObject request = message.body();
        String action = request.getString("action", "");
        Future<JsonObject> answer;
        if (action.equals("status")) {
            answer = status();
        } else {
            Projection<?> projection = byName.get(request.getString("projection"));
            if (projection == null) {
                message.fail(404, "no projection named '" + request.getString("projection") + "'; there are "
                        + byName.keySet());
                return;
            }
            answer = switch (action) {
                case "rebuild" -> rebuild(projection);
                case "retry" -> retry(projection, UUID.fromString(request.getString("aggregateId")));
                default -> Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 400,
                        "unknown action " + action));
            };
        }
        answer.onSuccess(message::reply).onFailure(failure -> {
            if (failure instanceof ReplyException reply) {
                message.fail(reply.failureCode(), reply.getMessage());
            } else {
                LOG.warn("Projection operation {} failed: {}", action, failure.toString());
                message.fail(503, String.valueOf(failure.getMessage()));
            }
        });
    }

    private Future<JsonObject> status() {
        List<Future<JsonObject>> all = new ArrayList<>();
        for (Projection<?> projection : byName.values()) {
            all.add(readModels.projectionStatus(projection.name()).map(status -> {
                // This instance's rebuild, if it is the one the table names (not one a newer claim superseded).
                Rebuild running = rebuilds.get(projection.name());
                running = running != null && running.epoch == status.epoch() ? running : null;
                Rebuild ended = finished.get(projection.name());
                Long swept = running != null ? Long.valueOf(running.swept)
                        : ended != null && ended.epoch == status.epoch() ? Long.valueOf(ended.swept) : null;
                JsonArray deadLetters = new JsonArray();
                parked.get(projection.name()).values().forEach(event -> deadLetters.add(new JsonObject()
                        .put("aggregateId", event.aggregateId().toString()).put("sequenceNumber", event.sequenceNumber())
                        .put("eventType", event.eventType()).put("error", event.error())
                        .put("attempts", event.attempts()).put("createdAt", event.createdAt().toString())));
                return new JsonObject()
                        .put("name", projection.name())
                        .put("aggregateType", projection.aggregateType())
                        .put("tables", new JsonArray(projection.tables()))
                        .put("rebuild", new JsonObject()
                                .put("epoch", status.epoch())
                                .put("state", running != null ? "REBUILDING" : status.state())
                                .put("aggregates", running != null ? running.aggregates : status.aggregates())
                                .put("events", running != null ? running.events : status.events())
                                .put("phase", running != null ? running.phase : null)
                                .put("swept", swept)
                                .put("startedAt", text(status.startedAt()))
                                .put("finishedAt", running != null ? null : text(status.finishedAt()))
                                .put("error", status.error()))
                        .put("deadLetters", deadLetters);
            }));
        }
        return Future.all(all).map(done -> {
            JsonArray projections = new JsonArray();
            all.forEach(one -> projections.add(one.result()));
            return new JsonObject()
                    .put("consumerGroup", config.consumerGroup())
                    .put("appliedEvents", appliedEvents)
                    .put("skippedEvents", skippedEvents)
                    .put("lastEventTime", text(lastEventTime))
                    .put("lastLagMs", lastLagMs)
                    .put("projections", projections);
        });
    }

    /**
     * A rebuild on this instance: it replays every stream, then sweeps what no stream explains. It is
     * retried step by step (an aggregate, a swept row, a page read) with the projection's backoff, and
     * records its progress once a page with a write conditional on its epoch: when that is not applied a
     * newer rebuild claimed the projection, and this one stops without a word in the table.
     */
    private final class Rebuild implements Sweep {
        final Projection<?> projection;
        final long epoch;
        String phase = "REPLAY";
        long aggregates;
        long events;
        long swept;
        long versionBound = 1;

        Rebuild(Projection<?> projection, long epoch) {
            this.projection = projection;
            this.epoch = epoch;
        }

        @Override
        public long epoch() {
            return epoch;
        }

        @Override
        public long versionBound() {
            return versionBound;
        }

        @Override
        public int pageSize() {
            return STREAM_PAGE;
        }

        @Override
        public ReadModelStore.Retry retry() {
            return ProjectionVerticle.this::retrying;
        }

        @Override
        public Future<Boolean> hasStream(UUID id) {
            return ProjectionVerticle.this.hasStream(projection, id);
        }

        @Override
        public <T> Future<Void> each(List<T> items, Function<T, String> what, Function<T, Future<Integer>> action) {
            return inGroups(items, config.rebuildConcurrency(), item -> retrying(what.apply(item),
                    () -> action.apply(item)).map(removed -> {
                        swept += removed;
                        return null;
                    }));
        }

        @Override
        public Future<Void> pageDone() {
            return record("REBUILDING", null, null).compose(applied -> applied ? Future.succeededFuture()
                    : Future.failedFuture(new Superseded()));
        }

        Future<Boolean> record(String state, Instant finishedAt, String error) {
            return retrying("recording the rebuild's progress", () -> readModels.recordRebuild(projection.name(), epoch,
                    state, aggregates, events, finishedAt, error));
        }
    }

    /** A rebuild found a newer epoch claimed: it stops, and leaves the table to the newer one. */
    private static final class Superseded extends RuntimeException {
        Superseded() {
            super("superseded by a newer rebuild", null, false, false);
        }
    }

    /** A step of a rebuild failed every attempt; its message names the step (the aggregate, the row). */
    private static final class RebuildStepFailed extends RuntimeException {
        RebuildStepFailed(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private Future<JsonObject> rebuild(Projection<?> projection) {
        String name = projection.name();
        // Only this instance's own rebuild refuses a new one: another instance's, or one orphaned by a
        // crash (REBUILDING forever in the table), is superseded by claiming the next epoch.
        if (rebuilds.containsKey(name)) {
            return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409,
                    "a rebuild of " + name + " is running on this instance"));
        }
        return readModels.projectionStatus(name)
                .compose(status -> readModels.startRebuild(name, status.epoch(), status.epoch() + 1, Instant.now())
                        .compose(claimed -> claimed ? Future.succeededFuture(status.epoch() + 1)
                                : Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409,
                                "another instance claimed the next epoch of " + name + " meanwhile"))))
                .map(epoch -> {
                    Rebuild rebuild = new Rebuild(projection, epoch);
                    rebuilds.put(name, rebuild);
                    LOG.info("Rebuilding projection {} from the event store (epoch {})", name, epoch);
                    replayAll(rebuild).compose(v -> {
                        rebuild.phase = "SWEEP";
                        return projection.sweep(rebuild);
                    }).transform(done -> finish(rebuild, done.failed() ? done.cause() : null)).onComplete(v -> {
                        rebuilds.remove(name);
                        finished.put(name, rebuild);
                    });
                    return new JsonObject().put("name", name).put("state", "REBUILDING").put("epoch", epoch);
                });
    }

    /** Records how the rebuild ended, unless a newer one superseded it. */
    private Future<Void> finish(Rebuild rebuild, Throwable failure) {
        String name = rebuild.projection.name();
        if (failure instanceof Superseded) {
            LOG.info("Rebuild of projection {} (epoch {}) stopped: a newer rebuild claimed the projection", name,
                    rebuild.epoch);
            return Future.succeededFuture();
        }
        String error = failure == null ? null
                : failure instanceof RebuildStepFailed ? failure.getMessage() : failure.toString();
        return rebuild.record(error == null ? "DONE" : "FAILED", Instant.now(), error).map(applied -> {
            if (!applied) {
                LOG.info("Rebuild of projection {} (epoch {}) ended superseded by a newer rebuild", name,
                        rebuild.epoch);
            } else if (error != null) {
                LOG.error("Rebuilding projection {} (epoch {}) failed: {}", name, rebuild.epoch, error);
            } else {
                LOG.info("Rebuilt projection {} (epoch {}): {} aggregates, {} events, {} rows swept", name,
                        rebuild.epoch, rebuild.aggregates, rebuild.events, rebuild.swept);
            }
            return (Void) null;
        }).otherwise(recordFailure -> {
            LOG.error("Rebuild of projection {} (epoch {}) ended ({}) but could not be recorded: {}", name,
                    rebuild.epoch, error == null ? "DONE" : error, recordFailure.toString());
            return null;
        });
    }

    private Future<Void> replayAll(Rebuild rebuild) {
        Projection<?> projection = rebuild.projection;
        return readModels.forEachStreamPage(STREAM_PAGE, rebuild.retry(), streams -> {
            List<ReadModelStore.Stream> mine = streams.stream()
                    .filter(stream -> projection.aggregateType().equals(stream.aggregateType())).toList();
            mine.forEach(stream -> rebuild.versionBound = Math.max(rebuild.versionBound, stream.version()));
            return inGroups(mine, config.rebuildConcurrency(), stream -> retrying(
                    "replaying " + projection.aggregateType() + " " + stream.aggregateId(),
                    () -> replay(projection, stream.aggregateId(), rebuild.epoch)).map(version -> {
                        rebuild.aggregates += version > 0 ? 1 : 0;
                        rebuild.events += version;
                        return null;
                    })).compose(v -> rebuild.pageDone());
        });
    }

    /** Repairs the aggregate's rows from the event store; answers the version written (0: none). */
    private <S> Future<Long> replay(Projection<S> projection, UUID id, long epoch) {
        return repository(projection).load(id).compose(state -> !state.exists() ? Future.succeededFuture(0L)
                : projection.repair(state, Projection.writeTime(state.version(), epoch)).map(state.version()));
    }

    /** {@code step}, again with the projection's backoff after a failure, at most {@code maxAttempts} times in all. */
    private <T> Future<T> retrying(String what, Supplier<Future<T>> step) {
        int[] attempts = {0};
        return retry.run(step, (failure, attempt) -> {
            attempts[0] = attempt;
            if (failure instanceof Superseded || failure instanceof RebuildStepFailed) {
                return false;
            }
            LOG.debug("{} failed (attempt {}): {}", what, attempt, failure.toString());
            return attempt < config.maxAttempts();
        }).recover(failure -> Future.failedFuture(failure instanceof Superseded || failure instanceof RebuildStepFailed
                ? failure : new RebuildStepFailed(what + " failed " + attempts[0] + " times: " + failure, failure)));
    }

    /** Catches a parked aggregate up from the event store and lets its events through again. */
    private <S> Future<JsonObject> retry(Projection<S> projection, UUID id) {
        String name = projection.name();
        return hasStream(projection, id).compose(exists -> {
            if (!exists) {
                return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 404,
                        projection.aggregateType().toLowerCase() + " " + id + " does not exist"));
            }
            // Let the live path through first, then read: an event it takes meanwhile is in what is read.
            parked.get(name).remove(id);
            countParked();
            return readModels.unpark(name, id).compose(v -> repository(projection).load(id))
                    .compose(state -> projection.repair(state, Projection.writeTime(state.version(), 0)).map(v -> {
                        Aggregate<?> known = projected.get(name).get(id);
                        if (known == null || known.version() < state.version()) {
                            projected.get(name).put(id, state);
                        }
                        vertx.eventBus().publish(Addresses.PROJECTED,
                                new Projected(projection.aggregateType(), id, state.version(), state.updatedAt()));
                        return new JsonObject().put("aggregateId", id.toString()).put("version", state.version());
                    }));
        });
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** Whether the event store holds a stream of the projection's aggregate type under {@code id}. */
    private Future<Boolean> hasStream(Projection<?> projection, UUID id) {
        return store.events().head(id)
                .map(head -> head.version() > 0 && projection.aggregateType().equals(head.aggregateType()));
    }

    @SuppressWarnings("unchecked")
    private <S> AggregateRepository<S, ?, ?> repository(Projection<S> projection) {
        return (AggregateRepository<S, ?, ?>) store.repository(projection.aggregateType());
    }

    private Projection<?> projectionOfTopic(String topic) {
        for (Map.Entry<String, String> entry : topics.entrySet()) {
            if (entry.getValue().equals(topic)) {
                return byType.get(entry.getKey());
            }
        }
        return null;
    }

    /** {@code action} on each item, at most {@code concurrency} at once: groups in turn, each group's items together. */
    private <T> Future<Void> inGroups(List<T> items, int concurrency, Function<T, Future<Void>> action) {
        List<List<T>> groups = new ArrayList<>();
        for (int from = 0; from < items.size(); from += concurrency) {
            groups.add(items.subList(from, Math.min(items.size(), from + concurrency)));
        }
        return InTurn.each(context, groups, group -> Future.all(group.stream().map(action).toList()));
    }

    private static <K, V> Map<K, V> lru(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** What can be read of a record that is not a valid envelope, for the operators' view; empty if nothing. */
    private static JsonObject lenient(String value) {
        try {
            JsonObject json = value == null ? new JsonObject() : new JsonObject(value);
            JsonObject facts = new JsonObject();
            if (json.getValue("sequenceNumber") instanceof Number sequence) {
                facts.put("sequenceNumber", sequence.longValue());
            }
            if (json.getValue("eventId") instanceof String id) {
                facts.put("eventId", id);
            }
            if (json.getValue("eventType") instanceof String type) {
                facts.put("eventType", type);
            }
            return facts;
        } catch (RuntimeException e) {
            return new JsonObject();
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static long headerLong(ConsumerRecord<String, String> record, String name) {
        try {
            String value = header(record, name);
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static UUID uuidOrNull(String text) {
        try {
            return text == null ? null : UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
