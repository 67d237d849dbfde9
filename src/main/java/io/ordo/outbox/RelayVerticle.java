package io.ordo.outbox;

import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.module.Modules;
import io.ordo.ops.OrdoMetrics;
import io.ordo.store.Dialect;
import io.ordo.store.FaultInjector;
import io.ordo.store.OutboxStore;
import io.ordo.store.Store;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * The outbox relay: takes hints from the store's fast path (right after each local commit, on
 * its address) and from the durable source, and publishes what is committed to Kafka.
 */
public final class RelayVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(RelayVerticle.class);

    private final OrdoConfig config;
    private final Store store;
    private final Modules modules;
    private final Addresses addresses;
    private final FaultInjector faults;
    private final OrdoMetrics metrics;
    /** At a stop, how long what was taken may take to reach Kafka (only while Kafka takes it), and then the producer. */
    private static final long FLUSH_MS = 5_000;
    private static final long PRODUCER_CLOSE_MS = 2_000;
    /** How often the dead letters are read again besides after each park, retry and discard: other instances park and release too. */
    static final long DEAD_LETTER_REFRESH_MS = 10_000;

    private KafkaPublisher publisher;
    private OutboxRelay relay;
    private PollingOutboxSource source;
    private ScyllaCdcSource cdc;
    private MessageConsumer<OutboxHint> fastPath;
    private MessageConsumer<Object> status;
    private MessageConsumer<JsonObject> deadLetters;
    private long deadLetterCount = -1;

    public RelayVerticle(OrdoConfig config, Store store, Modules modules, Addresses addresses, FaultInjector faults,
                         OrdoMetrics metrics) {
        this.modules = modules;
        this.addresses = addresses;
        this.metrics = metrics;
        this.config = config;
        this.store = store;
        this.faults = faults;
    }

    @Override
    public Future<?> start() {
        publisher = new KafkaPublisher(vertx, config.relay(), modules.codec());
        relay = new OutboxRelay(vertx, store.events(), store.outbox(), modules::topicOf, config.relay(), publisher,
                faults, metrics);
        metrics.breakerState(() -> switch (publisher.state()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        });
        metrics.outboxBacklogAge(relay::backlogAgeMs);
        metrics.relayAggregatesWaiting(relay::lanes);
        deadLetterCount = vertx.setPeriodic(DEAD_LETTER_REFRESH_MS, id -> relay.countDeadLetters());
        fastPath = vertx.eventBus().localConsumer(addresses.relay(), hint -> {
            if (config.relay().fastPath()) {
                relay.offer(hint.body());
            }
        });
        status = vertx.eventBus().localConsumer(addresses.relayStatus(),
                request -> request.reply(new JsonObject().put("breaker", publisher.state().name())
                        .put("backlogAgeMs", relay.backlogAgeMs()).put("aggregatesWaiting", relay.lanes())));
        deadLetters = vertx.eventBus().localConsumer(addresses.deadLetters(), request -> {
            JsonObject body = request.body();
            Future<?> done = switch (body.getString("action", "")) {
                case "list" -> store.outbox().allDeadLetters().map(RelayVerticle::toJson);
                case "retry" -> relay.retry(UUID.fromString(body.getString("aggregateId"))).map(v -> new JsonObject());
                case "discard" -> relay.discard(UUID.fromString(body.getString("aggregateId"))).map(v -> new JsonObject());
                default -> Future.failedFuture("unknown action " + body.getString("action"));
            };
            done.onSuccess(request::reply).onFailure(e -> request.fail(500, e.getMessage()));
        });
        // The parked aggregates are known before any hint is taken (a failed read: the next refresh).
        Future<Void> parkedRead = relay.start().otherwiseEmpty();
        if (config.store().dialect() == Dialect.SCYLLA) {
            cdc = new ScyllaCdcSource(vertx, config.store(), config.relay(), store.outbox(), relay::settle);
            return parkedRead.compose(v -> fastPath.completion()).compose(v -> cdc.start())
                    .onSuccess(v -> LOG.info("Relay publishing to Kafka at {} from the CDC log",
                            config.relay().bootstrapServers()));
        }
        source = new PollingOutboxSource(vertx, store.outbox(), config.relay(), relay::settle, Clock.systemUTC());
        return parkedRead.compose(v -> fastPath.completion()).compose(v -> source.start())
                .onSuccess(v -> LOG.info("Relay publishing to Kafka at {}", config.relay().bootstrapServers()));
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(deadLetterCount);
        if (source != null) {
            source.stop();
        }
        Future<Void> sourceStopped = cdc == null ? Future.succeededFuture() : cdc.stop();
        // Flush: what was taken is published (or given FLUSH_MS) before the producer closes; what waits
        // for Kafka or a backoff is not waited for. The rest stays in the outbox for the next start.
        return sourceStopped.otherwiseEmpty().compose(v -> fastPath.unregister())
                .compose(v -> Future.any(relay.idle(), vertx.timer(FLUSH_MS)))
                .compose(v -> deadLetters.unregister()).compose(v -> status.unregister())
                .eventually(() -> publisher.close(PRODUCER_CLOSE_MS));
    }

    private static JsonArray toJson(List<OutboxStore.DeadLetter> letters) {
        JsonArray json = new JsonArray();
        for (OutboxStore.DeadLetter letter : letters) {
            json.add(new JsonObject()
                    .put("aggregateId", letter.aggregateId().toString())
                    .put("sequenceNumber", letter.sequenceNumber())
                    .put("eventId", letter.eventId().toString())
                    .put("aggregateType", letter.aggregateType())
                    .put("eventType", letter.eventType())
                    .put("topic", letter.topic())
                    .put("error", letter.error())
                    .put("createdAt", letter.createdAt().toString()));
        }
        return json;
    }
}
