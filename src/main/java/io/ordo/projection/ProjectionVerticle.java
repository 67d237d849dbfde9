package io.ordo.projection;

import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.module.Modules;
import io.ordo.ops.OrdoMetrics;
import io.ordo.ops.Retry;
import io.ordo.store.FaultInjector;
import io.ordo.store.ProjectionStore;
import io.ordo.store.Store;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The read side: consumes the topics of every type with a projection, in the consumer group of
 * {@code projections.consumerGroup}, and keeps each module's projections. A poll's records are grouped
 * by aggregate; aggregates run side by side, each one's events in order ({@link Applier}); offsets are
 * committed only once every write of the poll succeeded (after a failure the consumer seeks back and
 * the poll is done again: writes are idempotent). Dead letters ({@link DeadLetters}) and rebuilds
 * ({@link Rebuilds}) have classes of their own; this verticle consumes, commits and answers operators.
 */
public final class ProjectionVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(ProjectionVerticle.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final long PARKED_REFRESH_MS = 30_000;
    private static final long STOP_WAIT_MS = 3_000;

    private final OrdoConfig.Projections config;
    private final OrdoConfig.Relay relay;
    private final OrdoMetrics metrics;
    private final FaultInjector faults;
    private final Store store;
    private final Modules modules;
    private final Addresses addresses;
    private final Projections projections;
    private final ProjectedStates states;
    private final Promise<Void> stopped = Promise.promise();
    private KafkaConsumer<String, String> consumer;
    private DeadLetters deadLetters;
    private Applier applier;
    private Rebuilds rebuilds;
    /** The dead letters as last read: a poll waits for them, so a parked aggregate never goes past its dead letter. */
    private Future<Void> parkedLoaded = Future.succeededFuture();
    private boolean stopping;
    /** For the lag gauge (read on another thread): since when the records in hand have waited. */
    private volatile long inHandSinceMs;

    public ProjectionVerticle(OrdoConfig config, Store store, Modules modules, Addresses addresses, OrdoMetrics metrics,
                              FaultInjector faults) {
        this.config = config.projections();
        this.relay = config.relay();
        this.store = store;
        this.modules = modules;
        this.addresses = addresses;
        this.metrics = metrics;
        this.faults = faults;
        this.projections = new Projections(store, modules);
        this.states = new ProjectedStates(this.config.cacheSize());
    }

    @Override
    public Future<?> start() {
        Retry retry = new Retry(vertx, config.retryBackoffMs(), MAX_BACKOFF_MS);
        ProjectionStore projectionStore = store.projections();
        deadLetters = new DeadLetters(vertx, projections, projectionStore, states, addresses);
        applier = new Applier(vertx, context, projections, states, deadLetters, config, modules.codec(), faults, metrics,
                addresses, retry, () -> stopping);
        rebuilds = new Rebuilds(context, projections, projectionStore, config, retry);
        consumer = KafkaConsumer.create(vertx, relay.kafkaClient(Map.of(
                "group.id", config.consumerGroup(),
                "auto.offset.reset", "earliest",
                "enable.auto.commit", "false",
                "max.poll.records", "10000",
                // A poll waits up to 100 ms for 64 KiB: under load one poll holds several events of each
                // aggregate (written once, at the last) and one offset commit covers them all.
                "fetch.min.bytes", "65536",
                "fetch.max.wait.ms", "100",
                "max.partition.fetch.bytes", "16777216",
                "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer")));
        consumer.exceptionHandler(e -> LOG.warn("Projection consumer: {}", e.toString()));
        // Another instance may have written these aggregates meanwhile: forget, and re-read what is parked.
        consumer.partitionsAssignedHandler(partitions -> {
            states.forgetAll();
            inHandSinceMs = 0; // records of revoked partitions are another instance's now
            parkedLoaded = deadLetters.load();
        });
        vertx.eventBus().<JsonObject>localConsumer(addresses.projections(), this::operate);
        metrics.projections(() -> inHandSinceMs, deadLetters::count);
        // Other instances park and retry too: the dead letters are read again now and then.
        vertx.setPeriodic(PARKED_REFRESH_MS, t -> deadLetters.load());
        parkedLoaded = deadLetters.load();
        if (projections.topics().isEmpty()) {
            return parkedLoaded; // no module projects anything: nothing to consume
        }
        return parkedLoaded.compose(v -> consumer.subscribe(projections.topics())).onSuccess(v -> poll());
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        if (projections.topics().isEmpty()) {
            stopped.tryComplete();
        }
        // The poll in hand ends at its next step (retries give up once stopping); what is not committed is
        // read again by whoever takes the partitions. Neither it nor the consumer's close may hold a stop up.
        return Future.any(stopped.future(), vertx.timer(STOP_WAIT_MS))
                .transform(v -> Future.any(consumer.close(), vertx.timer(STOP_WAIT_MS)));
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
            UUID aggregateId = DeadLetters.uuidOrNull(record.key());
            if (aggregateId == null) {
                LOG.warn("Skipping a record of {} whose key is not an aggregate id: {}", record.topic(), record.key());
                applier.skippedEvents++;
                continue;
            }
            byAggregate.computeIfAbsent(aggregateId, id -> new ArrayList<>()).add(record);
        }
        if (inHandSinceMs == 0) { // a poll read again after a failure keeps its first time
            inHandSinceMs = oldest;
        }
        if (parkedLoaded.failed()) {
            parkedLoaded = deadLetters.load();
        }
        // After a rebalance (its handler runs before this poll's records) another instance's parked aggregates may
        // be here: their events wait until the dead letters are known.
        return parkedLoaded.compose(v -> {
                    List<Future<Void>> aggregates = new ArrayList<>(byAggregate.size());
                    byAggregate.forEach((id, records) -> aggregates.add(applier.consume(id, records)));
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

    // ---- operations --------------------------------------------------------------------------------

    private void operate(Message<JsonObject> message) {
        JsonObject request = message.body();
        String action = request.getString("action", "");
        Future<JsonObject> answer;
        if (action.equals("status")) {
            answer = status();
        } else {
            Projection<?> projection = projections.named(request.getString("projection"));
            if (projection == null) {
                message.fail(404, "no projection named '" + request.getString("projection") + "'; there are "
                        + projections.names());
                return;
            }
            answer = switch (action) {
                case "rebuild" -> rebuilds.start(projection);
                case "retry" -> deadLetters.retry(projection, UUID.fromString(request.getString("aggregateId")));
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
        for (Projection<?> projection : projections.all()) {
            all.add(store.projections().projectionStatus(projection.name()).map(status -> new JsonObject()
                    .put("name", projection.name())
                    .put("aggregateType", projection.aggregateType())
                    .put("tables", new JsonArray(projection.tables()))
                    .put("rebuild", rebuilds.status(projection, status))
                    .put("deadLetters", deadLetters.list(projection.name()))));
        }
        return Future.all(all).map(done -> {
            JsonArray list = new JsonArray();
            all.forEach(one -> list.add(one.result()));
            return new JsonObject()
                    .put("consumerGroup", config.consumerGroup())
                    .put("appliedEvents", applier.appliedEvents)
                    .put("skippedEvents", applier.skippedEvents)
                    .put("lastEventTime", applier.lastEventTime == null ? null : applier.lastEventTime.toString())
                    .put("lastLagMs", applier.lastLagMs)
                    .put("projections", list);
        });
    }
}
