package io.ordo.http;

import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderStatus;
import io.ordo.projection.Projected;
import io.ordo.store.ReadModelStore;
import io.ordo.store.StoreRequest;
import io.ordo.store.StoreVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The read side on HTTP: summaries and lists from the read-model tables (eventually consistent,
 * each answer saying the version it reflects), read-your-writes with {@code minVersion}, and the
 * projections' operations.
 */
final class ReadModelRoutes {

    private static final int DEFAULT_PAGE = 50;
    /** How often a waiting read looks again when no local notification came (another instance's write). */
    private static final long RECHECK_MS = 250;

    private final Vertx vertx;
    private final OrdoConfig config;
    /** Reads waiting for a version of an aggregate to be projected, woken by {@link Addresses#PROJECTED}. */
    private final Map<UUID, List<Waiter>> waiters = new HashMap<>();

    private record Waiter(long version, Promise<Void> reached) {
    }

    ReadModelRoutes(Vertx vertx, OrdoConfig config) {
        this.vertx = vertx;
        this.config = config;
    }

    void mount(Router router) {
        vertx.eventBus().<Projected>localConsumer(Addresses.PROJECTED, message -> wake(message.body()));
        String order = OrderDecider.AGGREGATE_TYPE;
        String customer = CustomerDecider.AGGREGATE_TYPE;
        router.get("/orders").handler(ctx -> list(ctx, null));
        router.get("/orders/:id/summary").handler(ctx -> summary(ctx, order, HttpApi.pathId(ctx)));
        router.get("/customers/:id/summary").handler(ctx -> summary(ctx, customer, HttpApi.pathId(ctx)));
        router.get("/customers/:id/orders").handler(ctx -> list(ctx, HttpApi.pathId(ctx)));

        router.get("/ops/projections").handler(ctx -> operate(ctx, new JsonObject().put("action", "status"), 200));
        router.post("/ops/projections/:name/rebuild").handler(ctx -> operate(ctx, new JsonObject()
                .put("action", "rebuild").put("projection", ctx.pathParam("name")), 202));
        router.post("/ops/projections/:name/dead-letters/:id/retry").handler(ctx -> operate(ctx, new JsonObject()
                .put("action", "retry").put("projection", ctx.pathParam("name"))
                .put("aggregateId", HttpApi.pathId(ctx).toString()), 200));
    }

    // ---- summaries and read-your-writes ----------------------------------------------------------

    private void summary(RoutingContext ctx, String type, UUID id) {
        Long minVersion = minVersion(ctx);
        long deadline = System.currentTimeMillis() + config.projections().readYourWritesTimeoutMs();
        readUntil(new StoreRequest.Summary(type, id), minVersion, deadline).onSuccess(found -> {
            long version = versionOf(found);
            if (minVersion != null && version < minVersion) {
                ctx.response().putHeader("Retry-After", "1");
                Problem.of(503, "PROJECTION_BEHIND", "Service unavailable", "the read model holds version " + version
                                + " of " + type.toLowerCase() + " " + id + "; version " + minVersion + " was not projected within "
                                + config.projections().readYourWritesTimeoutMs() + " ms")
                        .with("version", version).with("minVersion", minVersion).send(ctx);
            } else if (found == null) {
                Problem.of(404, type.toUpperCase() + "_NOT_FOUND", "Not found", "the read model has no " + type.toLowerCase()
                        + " " + id + " (yet: it is eventually consistent; ask with minVersion to wait for a write)").send(ctx);
            } else {
                JsonObject json = found instanceof ReadModelStore.OrderSummary summary ? Representations.of(summary)
                        : Representations.of((ReadModelStore.CustomerSummary) found);
                ctx.response().putHeader("ETag", "\"" + version + "\"")
                        .putHeader("Content-Type", "application/json").end(json.encode());
            }
        }).onFailure(failure -> HttpApi.busFailure(ctx, failure));
    }

    /** Reads the row until it reflects {@code minVersion} or the deadline passes; answers the last row read. */
    private Future<Object> readUntil(StoreRequest.Summary request, Long minVersion, long deadline) {
        return vertx.eventBus().request(Addresses.STORE, request).map(Message::body).compose(found -> {
            long left = deadline - System.currentTimeMillis();
            if (minVersion == null || versionOf(found) >= minVersion || left <= 0) {
                return Future.succeededFuture(found);
            }
            return projected(request.aggregateId(), minVersion, Math.min(left, RECHECK_MS))
                    .compose(v -> readUntil(request, minVersion, deadline));
        });
    }

    /** Completes when this instance projects {@code version} of the aggregate, or after {@code waitMs}. */
    private Future<Void> projected(UUID id, long version, long waitMs) {
        Waiter waiter = new Waiter(version, Promise.promise());
        waiters.computeIfAbsent(id, key -> new ArrayList<>()).add(waiter);
        long timer = vertx.setTimer(Math.max(1, waitMs), t -> waiter.reached().tryComplete());
        return waiter.reached().future().onComplete(done -> {
            vertx.cancelTimer(timer);
            List<Waiter> forId = waiters.get(id);
            if (forId != null && forId.remove(waiter) && forId.isEmpty()) {
                waiters.remove(id);
            }
        });
    }

    private void wake(Projected projected) {
        List<Waiter> forId = waiters.get(projected.aggregateId());
        if (forId != null) {
            List.copyOf(forId).stream().filter(waiter -> projected.version() >= waiter.version())
                    .forEach(waiter -> waiter.reached().tryComplete());
        }
    }

    private static long versionOf(Object summary) {
        if (summary instanceof ReadModelStore.OrderSummary order) {
            return order.version();
        }
        return summary instanceof ReadModelStore.CustomerSummary customer ? customer.version() : 0;
    }

    /** {@code minVersion=3}, or the ETag a command returned ({@code "3"}). */
    private static Long minVersion(RoutingContext ctx) {
        String text = ctx.queryParams().get("minVersion");
        if (text == null) {
            return null;
        }
        Long version = HttpApi.etagVersion(text);
        if (version != null && version >= 1) {
            return version;
        }
        throw new Problem.BadRequest("INVALID_PARAMETER", "'minVersion' must be a version >= 1 (or an ETag such as \"3\")");
    }

    // ---- lists -----------------------------------------------------------------------------------

    private void list(RoutingContext ctx, UUID customerId) {
        if (ctx.queryParams().contains("minVersion")) {
            // A list has no one version to wait for; each row says its own.
            throw new Problem.BadRequest("INVALID_PARAMETER", "'minVersion' applies to one aggregate's summary "
                    + "(/orders/{id}/summary, /customers/{id}/summary), not to a list");
        }
        OrderStatus status = status(ctx.queryParams().get("status"));
        Long limit = HttpApi.longParam(ctx, "limit", 1);
        if (limit != null && limit > HttpApi.MAX_PAGE) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "'limit' is at most " + HttpApi.MAX_PAGE);
        }
        String cursor = ctx.queryParams().get("cursor");
        StoreRequest.ListOrders request = new StoreRequest.ListOrders(customerId, status,
                limit == null ? DEFAULT_PAGE : limit.intValue(), cursor);
        vertx.eventBus().<ReadModelStore.OrderPage>request(Addresses.STORE, request)
                .onSuccess(reply -> ctx.response().putHeader("Content-Type", "application/json")
                        .end(Representations.of(reply.body()).encode()))
                .onFailure(failure -> {
                    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                            && reply.failureCode() == StoreVerticle.BAD_REQUEST) {
                        Problem.of(400, "INVALID_CURSOR", "Invalid request",
                                "'cursor' must be the 'next' value of the previous page of the same query").send(ctx);
                    } else {
                        HttpApi.busFailure(ctx, failure);
                    }
                });
    }

    private static OrderStatus status(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OrderStatus.valueOf(text);
        } catch (IllegalArgumentException e) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "'status' must be one of "
                    + Arrays.toString(OrderStatus.values()));
        }
    }

    // ---- operations ------------------------------------------------------------------------------

    private void operate(RoutingContext ctx, JsonObject request, int status) {
        if (!HttpApi.authorized(ctx, config.opsToken())) {
            return;
        }
        vertx.eventBus().<JsonObject>request(Addresses.PROJECTIONS, request, new DeliveryOptions().setSendTimeout(30_000))
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
}
