package io.ordo.outbox;

import io.ordo.cluster.Membership;
import io.ordo.cluster.ShardOwnership;
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
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The outbox relay: takes hints from the store's fast path (right after each local commit, on
 * its address) and from the durable source, and publishes what is committed to Kafka.
 *
 * <p>It publishes the aggregates of the shards this member owns: it polls those shards' part of the
 * polling index (on ScyllaDB, the owner of shard 0 reads the CDC log), and a hint for another
 * member's shard is forwarded to that member's relay. As shards move it starts and stops their
 * sources; a source that starts resumes from its shard's checkpoint. Publishing an aggregate that is
 * not its own is never wrong (the watermark and the first occurrences hold on any member), only a
 * possible duplicate.
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
    /** How long a hint forwarded to its shard's owner may take to settle there before the source reads it again. */
    private static final long FORWARD_TIMEOUT_MS = 30_000;

    private KafkaPublisher publisher;
    private OutboxRelay relay;
    private final ShardOwnership ownership;
    private final Membership membership;
    /** The polling sources of the shards taken (and, while older index rows may wait, the unsharded one). */
    private final Map<Integer, PollingOutboxSource> sources = new HashMap<>();
    private ScyllaCdcSource cdc;
    private Future<Void> reconciling = Future.succeededFuture();
    private MessageConsumer<Object> ownershipChanges;
    private MessageConsumer<JsonObject> forwarded;
    private MessageConsumer<OutboxHint> fastPath;
    private MessageConsumer<Object> status;
    private MessageConsumer<JsonObject> deadLetters;
    private long deadLetterCount = -1;

    /** The name the relay reports its reconciliations under. */
    public static final String TAKER = "relay";

    public RelayVerticle(OrdoConfig config, Store store, Modules modules, Addresses addresses, FaultInjector faults,
                         OrdoMetrics metrics, ShardOwnership ownership, Membership membership) {
        this.ownership = ownership;
        this.membership = membership;
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
                take(hint.body());
            }
        });
        // Hints of this member's shards from another member's source or commits; answered once settled.
        forwarded = vertx.eventBus().consumer(addresses.relayOf(membership.self()), message -> {
            JsonObject hint = message.body();
            relay.settle(OutboxHint.of(UUID.fromString(hint.getString("aggregateId")), hint.getLong("sequenceNumber"),
                            hint.getLong("eventTimeMs")))
                    .onSuccess(v -> message.reply(null)).onFailure(e -> message.fail(500, e.getMessage()));
        });
        status = vertx.eventBus().localConsumer(addresses.relayStatus(),
                request -> request.reply(new JsonObject().put("breaker", publisher.state().name())
                        .put("backlogAgeMs", relay.backlogAgeMs()).put("aggregatesWaiting", relay.lanes())
                        // Only the member that reads the CDC log has a reader to report on.
                        .put("cdcReader", cdc == null ? "none here" : cdc.healthy() ? "healthy" : "failing")));
        metrics.cdcFailures(() -> cdc == null ? 0 : cdc.failures());
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
        return parkedRead.compose(v -> Future.all(fastPath.completion(), forwarded.completion()))
                .compose(v -> {
                    // Listening first, then reconciling: an ownership change in between is not missed.
                    ownershipChanges = vertx.eventBus().localConsumer(addresses.ownership(), change -> reconcile());
                    return ownershipChanges.completion();
                })
                .compose(v -> reconcile())
                .onSuccess(v -> LOG.info("Relay publishing to Kafka at {} from {}", config.relay().bootstrapServers(),
                        config.store().dialect() == Dialect.SCYLLA ? "the CDC log" : "the polling index"));
    }

    /** A fast-path hint: relayed here if its shard is this member's, else forwarded to the owner. */
    private void take(OutboxHint hint) {
        String owner = ownership.ownerOf(hint.aggregateId());
        if (owner == null || owner.equals(membership.self())) {
            relay.offer(hint);
        } else {
            forward(owner, hint);
        }
    }

    /** A durable source's hint: settled here if its shard is this member's, else by the owner (which answers when settled). */
    private Future<Void> settle(OutboxHint hint) {
        String owner = ownership.ownerOf(hint.aggregateId());
        if (owner == null || owner.equals(membership.self())) {
            return relay.settle(hint);
        }
        return forward(owner, hint);
    }

    private Future<Void> forward(String owner, OutboxHint hint) {
        metrics.hintForwarded();
        return vertx.eventBus().request(addresses.relayOf(owner), new JsonObject()
                        .put("aggregateId", hint.aggregateId().toString())
                        .put("sequenceNumber", hint.sequenceNumber())
                        .put("eventTimeMs", hint.eventTimeMs()),
                new DeliveryOptions().setSendTimeout(FORWARD_TIMEOUT_MS)).mapEmpty();
    }

    /** Runs the sources of exactly the shards this member owns now; one reconciliation at a time. */
    private Future<Void> reconcile() {
        reconciling = reconciling.otherwiseEmpty().compose(v -> reconcileWith(ownership.current()));
        return reconciling;
    }

    private Future<Void> reconcileWith(ShardOwnership.Snapshot snapshot) {
        List<Future<Void>> changes = new ArrayList<>();
        if (config.store().dialect() == Dialect.SCYLLA) {
            // One CDC reader for the fleet, on the owner of shard 0; it forwards the other shards' hints.
            if (snapshot.owns(0) && cdc == null) {
                cdc = new ScyllaCdcSource(vertx, config.store(), config.relay(), store.outbox(), this::settle);
                changes.add(cdc.start());
            } else if (!snapshot.owns(0) && cdc != null) {
                changes.add(cdc.stop());
                cdc = null;
            }
        } else {
            for (int shard = 0; shard < ownership.shards(); shard++) {
                PollingOutboxSource running = sources.get(shard);
                if (snapshot.owns(shard) && running == null) {
                    PollingOutboxSource source = PollingOutboxSource.ofShard(vertx, store.outbox(), config.relay(),
                            this::settle, Clock.systemUTC(), shard);
                    sources.put(shard, source);
                    changes.add(source.start());
                } else if (!snapshot.owns(shard) && running != null) {
                    running.stop();
                    sources.remove(shard);
                }
            }
            // What builds before schema version 4 indexed, read by the owner of shard 0 from where they left it.
            PollingOutboxSource legacy = sources.get(OutboxStore.LEGACY_SHARD);
            if (snapshot.owns(0) && legacy == null) {
                legacy = PollingOutboxSource.unsharded(vertx, store.outbox(), config.relay(), this::settle, Clock.systemUTC());
                sources.put(OutboxStore.LEGACY_SHARD, legacy);
                changes.add(legacy.start());
            } else if (!snapshot.owns(0) && legacy != null) {
                legacy.stop();
                sources.remove(OutboxStore.LEGACY_SHARD);
            }
        }
        return Future.join(changes).onComplete(done -> {
            if (done.failed()) {
                LOG.warn("Starting a source of the relay failed: {}", done.cause().toString());
            }
            ownership.reconciled(TAKER, snapshot.epoch());
        }).mapEmpty();
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(deadLetterCount);
        Future<Void> sourceStopped = (ownershipChanges == null ? Future.<Void>succeededFuture() : ownershipChanges.unregister())
                .compose(v -> reconciling.otherwiseEmpty())
                .compose(v -> {
                    sources.values().forEach(PollingOutboxSource::stop);
                    return cdc == null ? Future.succeededFuture() : cdc.stop();
                });
        // Flush: what was taken is published (or given FLUSH_MS) before the producer closes; what waits
        // for Kafka or a backoff is not waited for. The rest stays in the outbox for the next start.
        return sourceStopped.otherwiseEmpty().compose(v -> fastPath.unregister())
                .compose(v -> Future.any(relay.idle(), vertx.timer(FLUSH_MS)))
                .compose(v -> forwarded.unregister())
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
