package io.ordo.ops;

import io.ordo.cluster.ShardOwnership;
import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.store.Store;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.RoutingContext;
import io.vertx.kafka.admin.KafkaAdminClient;

import java.util.Map;

/**
 * Liveness (the process answers), readiness (it can take commands: CQL answers, the schema is
 * applied, and it serves the shards it owns) and the relay's health (Kafka answers, the breaker is not open, the backlog is younger than
 * {@code ops.readyMaxBacklogMs}). Readiness is what a load balancer asks: a Kafka outage is what the
 * outbox is there for, so it never makes an instance refuse commands; the relay's health is for
 * alerting. Each check's detail is in the JSON; down is 503.
 */
public final class Health {

    /** A check that does not answer in time is down; its late answer is ignored (tryComplete). */
    private static final long CHECK_TIMEOUT_MS = 3_000;

    private final Vertx vertx;
    private final HealthChecks live;
    private final HealthChecks ready;
    private final HealthChecks relay;
    private final KafkaAdminClient kafka;

    public Health(Vertx vertx, OrdoConfig config, Store store, Addresses addresses, ShardOwnership ownership) {
        this.vertx = vertx;
        this.live = HealthChecks.create(vertx).register("event-loop", promise -> promise.tryComplete(Status.OK()));
        this.ready = HealthChecks.create(vertx);
        this.relay = HealthChecks.create(vertx);
        ready.register("cassandra", CHECK_TIMEOUT_MS, promise -> store.appliedSchemaVersions().onComplete(applied -> {
            if (applied.failed()) {
                promise.tryComplete(Status.KO(new JsonObject().put("error", applied.cause().getMessage())));
                return;
            }
            boolean current = applied.result().contains(store.schemaVersion());
            JsonObject detail = new JsonObject().put("schemaVersion", store.schemaVersion())
                    .put("applied", applied.result().stream().sorted().toList());
            promise.tryComplete(current ? Status.OK(detail) : Status.KO(detail.put("error", "the schema is not applied")));
        }));
        // In a fleet: this member serves exactly the shards it owns (no handover under way here).
        ready.register("shards", CHECK_TIMEOUT_MS, promise -> {
            JsonObject detail = new JsonObject().put("owned", ownership.current().owned().size())
                    .put("members", ownership.current().ring().members().size()).put("epoch", ownership.current().epoch());
            promise.tryComplete(ownership.settled() ? Status.OK(detail)
                    : Status.KO(detail.put("error", "taking over its shards")));
        });
        if (config.relay().enabled()) {
            this.kafka = KafkaAdminClient.create(vertx, config.relay().kafkaClient(Map.of(
                    "request.timeout.ms", String.valueOf(CHECK_TIMEOUT_MS),
                    "default.api.timeout.ms", String.valueOf(CHECK_TIMEOUT_MS))));
            relay.register("kafka", CHECK_TIMEOUT_MS, promise -> kafka.describeCluster().onComplete(cluster -> promise.tryComplete(
                    cluster.succeeded()
                            ? Status.OK(new JsonObject().put("brokers", cluster.result().getNodes().size()))
                            : Status.KO(new JsonObject().put("error", String.valueOf(cluster.cause().getMessage()))))));
            long maxBacklogMs = config.readyMaxBacklogMs();
            relay.register("relay", CHECK_TIMEOUT_MS, promise -> vertx.eventBus()
                    .<JsonObject>request(addresses.relayStatus(), "status", new DeliveryOptions().setSendTimeout(CHECK_TIMEOUT_MS))
                    .onComplete(status -> promise.tryComplete(relay(status, maxBacklogMs))));
        } else {
            this.kafka = null;
        }
    }

    private static Status relay(AsyncResult<Message<JsonObject>> status, long maxBacklogMs) {
        if (status.failed()) {
            return Status.KO(new JsonObject().put("error", "the relay does not answer"));
        }
        JsonObject detail = status.result().body().copy().put("maxBacklogMs", maxBacklogMs);
        boolean ok = !"OPEN".equals(detail.getString("breaker")) && detail.getLong("backlogAgeMs", 0L) <= maxBacklogMs
                && !"failing".equals(detail.getString("cdcReader"));
        return ok ? Status.OK(detail) : Status.KO(detail);
    }

    public Handler<RoutingContext> liveHandler() {
        return ctx -> answer(ctx, live);
    }

    public Handler<RoutingContext> readyHandler() {
        return ctx -> answer(ctx, ready);
    }

    /** The relay's health: up when it has nothing to report, or when the relay is off here. */
    public Handler<RoutingContext> relayHandler() {
        return ctx -> answer(ctx, relay);
    }

    private static void answer(RoutingContext ctx, HealthChecks checks) {
        checks.checkStatus().onComplete(done -> {
            CheckResult result = done.succeeded() ? done.result() : CheckResult.from("health", done.cause());
            boolean up = CheckResult.isUp(result);
            ctx.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json")
                    .end(result.toJson().encode());
        });
    }

    public Future<Void> close() {
        return kafka == null ? Future.succeededFuture() : kafka.close();
    }
}
