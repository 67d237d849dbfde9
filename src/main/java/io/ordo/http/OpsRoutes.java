package io.ordo.http;

import io.ordo.cluster.ShardOwnership;
import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The operators' routes, all behind {@code Authorization: Bearer <ops.token>} (off without a token): the
 * relay's dead letters, the projections' status, rebuilds and dead letters, and the cluster's members and shards.
 */
final class OpsRoutes {

    private final Vertx vertx;
    private final OrdoConfig config;
    private final Addresses addresses;
    private final ShardOwnership ownership;
    private final boolean clustered;

    OpsRoutes(Vertx vertx, OrdoConfig config, Addresses addresses, ShardOwnership ownership, boolean clustered) {
        this.vertx = vertx;
        this.config = config;
        this.addresses = addresses;
        this.ownership = ownership;
        this.clustered = clustered;
    }

    void mount(Router router) {
        router.get("/ops/dead-letters").handler(ctx -> relay(ctx, new JsonObject().put("action", "list")));
        router.post("/ops/dead-letters/:id/retry").handler(ctx -> relay(ctx, new JsonObject().put("action", "retry")
                .put("aggregateId", HttpApi.pathId(ctx).toString())));
        router.post("/ops/dead-letters/:id/discard").handler(ctx -> relay(ctx, new JsonObject().put("action", "discard")
                .put("aggregateId", HttpApi.pathId(ctx).toString())));

        router.get("/ops/cluster").handler(ctx -> {
            if (authorized(ctx, config.opsToken())) {
                ctx.response().putHeader("Content-Type", "application/json").end(ownership.toJson(clustered).encode());
            }
        });
        router.get("/ops/projections").handler(ctx -> projections(ctx, new JsonObject().put("action", "status"), 200));
        router.post("/ops/projections/:name/rebuild").handler(ctx -> projections(ctx, new JsonObject()
                .put("action", "rebuild").put("projection", ctx.pathParam("name")), 202));
        router.post("/ops/projections/:name/dead-letters/:id/retry").handler(ctx -> projections(ctx, new JsonObject()
                .put("action", "retry").put("projection", ctx.pathParam("name"))
                .put("aggregateId", HttpApi.pathId(ctx).toString()), 200));
    }

    private void relay(RoutingContext ctx, JsonObject request) {
        if (!authorized(ctx, config.opsToken())) {
            return;
        }
        vertx.eventBus().request(addresses.deadLetters(), request, new DeliveryOptions().setSendTimeout(60_000))
                .onSuccess(reply -> ctx.response().putHeader("Content-Type", "application/json")
                        .end(reply.body() instanceof JsonArray list ? new JsonObject().put("deadLetters", list).encode()
                                : String.valueOf(reply.body())))
                .onFailure(failure -> (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS
                        ? Problem.of(503, "RELAY_DISABLED", "Service unavailable", "the relay is not running here")
                        : Problem.of(503, "RELAY_UNAVAILABLE", "Service unavailable", "the relay did not answer; retry"))
                        .send(ctx));
    }

    private void projections(RoutingContext ctx, JsonObject request, int status) {
        if (!authorized(ctx, config.opsToken())) {
            return;
        }
        vertx.eventBus().<JsonObject>request(addresses.projections(), request, new DeliveryOptions().setSendTimeout(30_000))
                .onSuccess(reply -> ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                        .end(reply.body().encode()))
                .onFailure(failure -> {
                    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                            && (reply.failureCode() == 404 || reply.failureCode() == 409 || reply.failureCode() == 400)) {
                        int code = reply.failureCode();
                        Problem.of(code, code == 409 ? "REBUILD_RUNNING" : code == 400 ? "INVALID_REQUEST" : "NOT_FOUND",
                                code == 409 ? "Conflict" : code == 400 ? "Invalid request" : "Not found",
                                reply.getMessage()).send(ctx);
                    } else if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
                        Problem.of(503, "PROJECTIONS_DISABLED", "Service unavailable",
                                "the projections are not running here").send(ctx);
                    } else {
                        Problem.of(503, "PROJECTIONS_UNAVAILABLE", "Service unavailable",
                                "the projections did not answer; retry").send(ctx);
                    }
                });
    }

    /** Whether the request carries the ops token; if not, it has been answered 403 or 401. */
    static boolean authorized(RoutingContext ctx, String token) {
        if (token == null || token.isBlank()) {
            Problem.of(403, "OPS_DISABLED", "Forbidden", "operations are off: configure ops.token (ORDO_OPS_TOKEN)").send(ctx);
            return false;
        }
        String given = ctx.request().getHeader("Authorization");
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                ("Bearer " + token).getBytes(StandardCharsets.UTF_8))) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            Problem.of(401, "UNAUTHORIZED", "Unauthorized", "operations need Authorization: Bearer <ops token>").send(ctx);
            return false;
        }
        return true;
    }
}
