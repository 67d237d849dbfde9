package io.ordo.http;

import io.ordo.command.Addresses;
import io.ordo.command.AggregateVerticle;
import io.ordo.command.CommandReply;
import io.ordo.command.CommandRequest;
import io.ordo.config.OrdoConfig;
import io.ordo.domain.DomainEvents;
import io.ordo.domain.customer.CustomerCommand;
import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderDecider;
import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializer;
import io.ordo.es.Rejection;
import io.ordo.ops.Health;
import io.ordo.ops.Logs;
import io.ordo.ops.OrdoMetrics;
import io.ordo.store.EventStore;
import io.ordo.store.StoreRequest;
import io.ordo.store.StoreVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Ordo's HTTP API as a {@link Router}: commands become {@link CommandRequest}s for the aggregate
 * verticles, queries go to the store verticle. Errors are problem+json (see {@link Problem}).
 * The same router serves the {@code HttpVerticle} and an application that embeds Ordo.
 */
public final class HttpApi {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    static final String CORRELATION_ID = "X-Correlation-Id";
    static final String USER_ID = "X-User-Id";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final int MAX_PAGE = 1_000;

    private final Vertx vertx;
    private final OrdoConfig config;
    private final OpenApiValidation validation;
    private final OrdoMetrics metrics;
    private final Health health;
    private final DeliveryOptions commandOptions;
    private final EnvelopeCodec codec = new EnvelopeCodec(new EventSerializer(DomainEvents.registry()));

    private HttpApi(Vertx vertx, OrdoConfig config, OpenApiValidation validation, OrdoMetrics metrics, Health health) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.health = health;
        this.config = config;
        this.validation = validation;
        // Longer than an append may take, plus time queued behind other commands of the aggregate.
        this.commandOptions = new DeliveryOptions()
                .setSendTimeout(AggregateVerticle.appendTimeout(config).plusSeconds(10).toMillis());
    }

    /** Loads the OpenAPI document that validates requests: once per Ordo, before any router is built. */
    public static Future<Contract> contract(Vertx vertx) {
        return OpenApiValidation.load(vertx).map(Contract::new);
    }

    /** The loaded OpenAPI document, opaque outside this package. */
    public static final class Contract {
        private final OpenApiValidation validation;

        private Contract(OpenApiValidation validation) {
            this.validation = validation;
        }
    }

    /** A router with every route of the API; mount it where you like with {@code subRouter}. */
    public static Router router(Vertx vertx, OrdoConfig config, Contract contract, OrdoMetrics metrics, Health health) {
        return new HttpApi(vertx, config, contract.validation, metrics, health).build();
    }

    private Router build() {
        Router router = Router.router(vertx);
        router.route().handler(this::correlate);
        router.get("/openapi.yaml").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/yaml").end(validation.document()));

        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/health/live").handler(health.liveHandler());
        router.get("/health/ready").handler(health.readyHandler());
        router.get("/health/relay").handler(health.relayHandler());

        LiveEvents live = new LiveEvents(vertx, codec, config.http().wsMaxQueuedBytes(), metrics);
        router.get("/ws/orders").handler(ctx -> live.all(ctx));
        router.get("/ws/orders/:id").handler(ctx -> live.one(ctx, pathId(ctx)));

        // For every method, not only POST and PUT: a route restricted by method would turn an unknown
        // path into a 405 instead of a 404.
        router.route().handler(this::requireJson);
        router.route().handler(BodyHandler.create(false).setBodyLimit(config.http().bodyLimitBytes()));
        router.route().handler(validation);

        String customer = CustomerDecider.AGGREGATE_TYPE;
        router.post("/customers").handler(ctx -> {
            RequestReader body = read(ctx, Set.of("customerId", "email", "firstName", "lastName", "phone"));
            UUID id = idFor(ctx, body.optionalUuid("customerId"), "customer");
            send(ctx, customer, id, new CustomerCommand.RegisterCustomer(id, body.email("email"),
                    body.string("firstName"), body.string("lastName"), body.optionalPhone("phone")), true);
        });
        router.get("/customers/:id").handler(ctx -> query(ctx, customer, pathId(ctx)));
        router.put("/customers/:id").handler(ctx -> {
            RequestReader body = read(ctx, Set.of("firstName", "lastName", "phone"));
            send(ctx, customer, pathId(ctx), new CustomerCommand.UpdateCustomerDetails(body.string("firstName"),
                    body.string("lastName"), body.optionalPhone("phone")), false);
        });
        router.post("/customers/:id/email").handler(ctx -> send(ctx, customer, pathId(ctx),
                new CustomerCommand.ChangeEmail(read(ctx, Set.of("email")).email("email")), false));
        router.post("/customers/:id/deactivate").handler(ctx -> send(ctx, customer, pathId(ctx),
                new CustomerCommand.DeactivateCustomer(read(ctx, Set.of("reason")).optionalString("reason")), false));
        router.post("/customers/:id/reactivate").handler(ctx -> {
            read(ctx, Set.of());
            send(ctx, customer, pathId(ctx), new CustomerCommand.ReactivateCustomer(), false);
        });

        String order = OrderDecider.AGGREGATE_TYPE;
        router.post("/orders").handler(ctx -> {
            RequestReader body = read(ctx, Set.of("orderId", "customerId", "items"));
            UUID id = idFor(ctx, body.optionalUuid("orderId"), "order");
            send(ctx, order, id, new OrderCommand.CreateOrder(id, body.uuid("customerId"), body.items("items")), true);
        });
        router.get("/orders/:id").handler(ctx -> query(ctx, order, pathId(ctx)));
        router.get("/orders/:id/events").handler(ctx -> events(ctx, pathId(ctx)));
        router.put("/orders/:id/items").handler(ctx -> {
            RequestReader body = read(ctx, Set.of("items", "reason"));
            send(ctx, order, pathId(ctx), new OrderCommand.UpdateItems(body.items("items"), body.optionalString("reason")),
                    false);
        });
        router.post("/orders/:id/confirm").handler(ctx -> {
            read(ctx, Set.of());
            send(ctx, order, pathId(ctx), new OrderCommand.ConfirmOrder(), false);
        });
        router.post("/orders/:id/ship").handler(ctx -> {
            RequestReader body = read(ctx, Set.of("trackingNumber", "carrier"));
            send(ctx, order, pathId(ctx), new OrderCommand.ShipOrder(body.optionalString("trackingNumber"),
                    body.optionalString("carrier")), false);
        });
        router.post("/orders/:id/deliver").handler(ctx -> send(ctx, order, pathId(ctx),
                new OrderCommand.DeliverOrder(read(ctx, Set.of("signature")).optionalString("signature")), false));
        router.post("/orders/:id/cancel").handler(ctx -> {
            RequestReader body = read(ctx, Set.of("reason", "cancelledBy"));
            send(ctx, order, pathId(ctx), new OrderCommand.CancelOrder(body.optionalString("reason"),
                    body.optionalUuid("cancelledBy")), false);
        });

        new ReadModelRoutes(vertx, config).mount(router);

        router.get("/ops/dead-letters").handler(ctx -> ops(ctx, new JsonObject().put("action", "list")));
        router.post("/ops/dead-letters/:id/retry").handler(ctx -> ops(ctx, new JsonObject().put("action", "retry")
                .put("aggregateId", pathId(ctx).toString())));
        router.post("/ops/dead-letters/:id/discard").handler(ctx -> ops(ctx, new JsonObject().put("action", "discard")
                .put("aggregateId", pathId(ctx).toString())));

        router.route().failureHandler(this::failure);
        // A path the router itself cannot read (a broken escape such as %zz) fails before any route: 400.
        router.errorHandler(400, ctx -> Problem.of(400, "MALFORMED_REQUEST", "Invalid request",
                "the request could not be read (a malformed path or header)").send(ctx));
        router.errorHandler(404, ctx -> Problem.of(404, "NOT_FOUND", "Not found",
                "no resource at " + ctx.request().method() + " " + ctx.request().path()).send(ctx));
        router.errorHandler(405, ctx -> Problem.of(405, "METHOD_NOT_ALLOWED", "Method not allowed",
                ctx.request().method() + " is not allowed on " + ctx.request().path()).send(ctx));
        return router;
    }

    // ---- request plumbing ----------------------------------------------------------------------

    private void correlate(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path == null || !path.startsWith("/")) {
            // "orders/x", "*": no route can match, and Vert.x Web would take it for a failure of its own
            Problem.of(400, "MALFORMED_REQUEST", "Invalid request", "the request target must be an absolute path").send(ctx);
            return;
        }
        String given = ctx.request().getHeader(CORRELATION_ID);
        UUID correlation = given == null ? UUID.randomUUID() : header(given, CORRELATION_ID);
        ctx.put(CORRELATION_ID, correlation);
        ctx.response().putHeader(CORRELATION_ID, correlation.toString());
        ctx.next();
    }

    private void requireJson(RoutingContext ctx) {
        HttpMethod method = ctx.request().method();
        if (method != HttpMethod.POST && method != HttpMethod.PUT) {
            ctx.next();
            return;
        }
        String type = ctx.request().getHeader("Content-Type");
        String length = ctx.request().getHeader("Content-Length");
        boolean hasBody = type != null || (length != null && !length.equals("0"))
                || ctx.request().getHeader("Transfer-Encoding") != null;
        if (hasBody && (type == null || !type.toLowerCase().startsWith("application/json"))) {
            Problem.of(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type",
                    "send the body as application/json").send(ctx);
            return;
        }
        ctx.next();
    }

    private static RequestReader read(RoutingContext ctx, Set<String> fields) {
        Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        return RequestReader.of(body == null ? null : body.toString(StandardCharsets.UTF_8), fields);
    }

    static UUID pathId(RoutingContext ctx) {
        try {
            return RequestReader.parseUuid(ctx.pathParam("id"), "id");
        } catch (Problem.BadRequest notAUuid) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "the id in the path must be a UUID");
        }
    }

    private static UUID header(String value, String name) {
        try {
            if (value.length() == 36) {
                return UUID.fromString(value);
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new Problem.BadRequest("INVALID_HEADER", name + " must be a UUID");
    }

    /** A client-chosen id, or one derived from the Idempotency-Key (so a retry hits the same aggregate), or a new one. */
    private static UUID idFor(RoutingContext ctx, UUID chosen, String kind) {
        if (chosen != null) {
            return chosen;
        }
        String key = ctx.request().getHeader(IDEMPOTENCY_KEY);
        return key == null ? UUID.randomUUID()
                : UUID.nameUUIDFromBytes(("ordo:" + kind + ":" + key).getBytes(StandardCharsets.UTF_8));
    }

    // ---- commands ------------------------------------------------------------------------------

    private void send(RoutingContext ctx, String type, UUID id, Object command, boolean creates) {
        String key = ctx.request().getHeader(IDEMPOTENCY_KEY);
        if (key != null && (key.isBlank() || key.length() > 200)) {
            throw new Problem.BadRequest("INVALID_HEADER", IDEMPOTENCY_KEY + " must be 1 to 200 characters");
        }
        Long expected = ifMatch(ctx.request().getHeader("If-Match"));
        String user = ctx.request().getHeader(USER_ID);
        CommandMetadata metadata = new CommandMetadata(UUID.randomUUID(), ctx.get(CORRELATION_ID),
                user == null ? null : header(user, USER_ID), Map.of());
        CommandRequest request = new CommandRequest(type, id, command, metadata, expected, key,
                key == null ? null : hash(ctx));
        String address = Addresses.commands(type, AggregateVerticle.shardOf(id, config.aggregates().instances()));
        long started = System.nanoTime();
        String name = command.getClass().getSimpleName();
        vertx.eventBus().<CommandReply>request(address, request, commandOptions)
                .onSuccess(reply -> {
                    metrics.command(name, outcome(reply.body()), System.nanoTime() - started);
                    answer(ctx, type, reply.body(), creates, false);
                })
                .onFailure(failure -> {
                    metrics.command(name, "unavailable", System.nanoTime() - started);
                    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
                        // The command may still be queued and run: its outcome is unknown, not failed.
                        answer(ctx, type, new CommandReply.Unavailable(true, failure.getMessage()), creates, false);
                    } else {
                        busFailure(ctx, failure);
                    }
                });
    }

    private static String outcome(CommandReply reply) {
        if (reply instanceof CommandReply.Accepted) {
            return "accepted";
        }
        if (reply instanceof CommandReply.Rejected) {
            return "rejected";
        }
        if (reply instanceof CommandReply.Replayed) {
            return "replayed";
        }
        if (reply instanceof CommandReply.VersionMismatch) {
            return "precondition_failed";
        }
        if (reply instanceof CommandReply.Contended) {
            return "conflict";
        }
        return reply instanceof CommandReply.KeyReused ? "key_reused" : "unavailable";
    }

    private void answer(RoutingContext ctx, String type, CommandReply reply, boolean creates, boolean replayed) {
        if (replayed) {
            ctx.response().putHeader("Idempotent-Replayed", "true");
        }
        if (reply instanceof CommandReply.Accepted accepted) {
            Aggregate<?> aggregate = accepted.aggregate();
            ctx.response().putHeader("ETag", "\"" + aggregate.version() + "\"");
            if (creates) {
                ctx.response().setStatusCode(201).putHeader("Location", location(type, aggregate.id()));
            }
            ctx.response().putHeader("Content-Type", "application/json").end(Representations.of(aggregate).encode());
        } else if (reply instanceof CommandReply.Rejected rejected) {
            rejection(rejected.rejection()).with("currentVersion", rejected.version()).send(ctx);
        } else if (reply instanceof CommandReply.Replayed replay) {
            answer(ctx, type, replay.original(), creates, true);
        } else if (reply instanceof CommandReply.VersionMismatch mismatch) {
            Problem.of(412, "VERSION_MISMATCH", "Precondition failed", "If-Match names version " + mismatch.expected()
                    + " but the " + type.toLowerCase() + " is at version " + mismatch.current())
                    .with("currentVersion", mismatch.current()).send(ctx);
        } else if (reply instanceof CommandReply.Contended contended) {
            Problem.of(409, "CONCURRENCY_CONFLICT", "Conflict", "the " + type.toLowerCase()
                    + " kept changing concurrently; retry").with("currentVersion", contended.current()).send(ctx);
        } else if (reply instanceof CommandReply.KeyReused reused) {
            Problem.of(422, "IDEMPOTENCY_KEY_REUSED", "Unprocessable request",
                    "Idempotency-Key '" + reused.key() + "' was used for a different request").send(ctx);
        } else if (reply instanceof CommandReply.Unavailable unavailable) {
            (unavailable.outcomeUnknown()
                    ? Problem.of(503, "OUTCOME_UNKNOWN", "Outcome unknown",
                    "the store did not confirm the write in time; it may or may not have happened: read the "
                            + type.toLowerCase() + " (or retry with the same Idempotency-Key)")
                    : Problem.of(503, "STORE_UNAVAILABLE", "Service unavailable", "the store is unavailable; retry"))
                    .send(ctx);
        }
    }

    private static Problem rejection(Rejection rejection) {
        int status = switch (rejection.code().kind()) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case UNPROCESSABLE -> 422;
        };
        return Problem.of(status, rejection.code().name(), switch (status) {
            case 400 -> "Invalid command";
            case 404 -> "Not found";
            case 422 -> "Unprocessable command";
            default -> "Business rule violated";
        }, rejection.message());
    }

    private static Long ifMatch(String header) {
        if (header == null) {
            return null;
        }
        Long version = etagVersion(header);
        if (version == null || version < 0) {
            throw new Problem.BadRequest("INVALID_HEADER", "If-Match must be a version such as \"3\"");
        }
        return version;
    }

    /** The version in an ETag as Ordo writes them ({@code "3"}, also weak or bare), or null if it holds none. */
    static Long etagVersion(String etag) {
        String value = etag.strip();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String hash(RoutingContext ctx) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((ctx.request().method() + " " + ctx.request().path() + "\n").getBytes(StandardCharsets.UTF_8));
            if (ctx.body() != null && ctx.body().buffer() != null) {
                digest.update(ctx.body().buffer().getBytes());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String location(String type, UUID id) {
        return (type.equals(OrderDecider.AGGREGATE_TYPE) ? "/orders/" : "/customers/") + id;
    }

    // ---- operations ----------------------------------------------------------------------------

    /** Operator requests, guarded by {@code Authorization: Bearer <ops.token>}; off when no token is configured. */
    private void ops(RoutingContext ctx, JsonObject request) {
        if (!authorized(ctx, config.opsToken())) {
            return;
        }
        vertx.eventBus().request(Addresses.DEAD_LETTERS, request, new DeliveryOptions().setSendTimeout(60_000))
                .onSuccess(reply -> ctx.response().putHeader("Content-Type", "application/json")
                        .end(reply.body() instanceof JsonArray list ? new JsonObject().put("deadLetters", list).encode()
                                : String.valueOf(reply.body())))
                .onFailure(failure -> (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS
                        ? Problem.of(503, "RELAY_DISABLED", "Service unavailable", "the relay is not running here")
                        : Problem.of(503, "RELAY_UNAVAILABLE", "Service unavailable", "the relay did not answer; retry"))
                        .send(ctx));
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

    // ---- queries -------------------------------------------------------------------------------

    private void query(RoutingContext ctx, String type, UUID id) {
        Long version = longParam(ctx, "version", 0);
        String atText = ctx.queryParams().get("at");
        Instant at = null;
        if (atText != null) {
            try {
                at = Instant.parse(atText);
            } catch (DateTimeParseException e) {
                throw new Problem.BadRequest("INVALID_PARAMETER", "'at' must be an ISO-8601 instant such as 2026-01-01T10:00:00Z");
            }
        }
        if (version != null && at != null) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "give 'version' or 'at', not both");
        }
        Long askedVersion = version;
        store(new StoreRequest.Load(type, id, version, at), aggregate -> (Aggregate<?>) aggregate)
                .onSuccess(aggregate -> {
                    if (!aggregate.exists() || (askedVersion != null && aggregate.version() < askedVersion)) {
                        notFound(type, id, askedVersion).send(ctx);
                        return;
                    }
                    ctx.response().putHeader("ETag", "\"" + aggregate.version() + "\"")
                            .putHeader("Content-Type", "application/json").end(Representations.of(aggregate).encode());
                })
                .onFailure(failure -> queryFailure(ctx, type, id, failure));
    }

    private void events(RoutingContext ctx, UUID id) {
        Long fromParam = longParam(ctx, "from", 1);
        long from = fromParam == null ? 1 : fromParam;
        Long limitParam = longParam(ctx, "limit", 1);
        if (limitParam != null && limitParam > MAX_PAGE) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "'limit' is at most " + MAX_PAGE);
        }
        int limit = limitParam == null ? 100 : limitParam.intValue();
        String type = OrderDecider.AGGREGATE_TYPE;
        store(new StoreRequest.Events(id, from, limit), page -> (StoreRequest.EventPage) page)
                .compose(page -> page.events().isEmpty()
                        // An empty page past the end of an order, or of no order at all?
                        ? store(new StoreRequest.Head(id), head -> (EventStore.StreamHead) head)
                        .map(head -> type.equals(head.aggregateType()) ? page : null)
                        : Future.succeededFuture(page))
                .onSuccess(page -> {
                    if (page == null) {
                        notFound(type, id, null).send(ctx);
                        return;
                    }
                    if (page.events().stream().anyMatch(e -> !type.equals(e.aggregateType()))) {
                        notFound(type, id, null).send(ctx);
                        return;
                    }
                    StringBuilder json = new StringBuilder("{\"events\":[");
                    for (int i = 0; i < page.events().size(); i++) {
                        json.append(i == 0 ? "" : ",").append(codec.encode((EventEnvelope<?>) page.events().get(i)));
                    }
                    json.append("],\"next\":").append(page.next() == null ? "null" : page.next()).append('}');
                    ctx.response().putHeader("Content-Type", "application/json").end(json.toString());
                })
                .onFailure(failure -> queryFailure(ctx, type, id, failure));
    }

    static Long longParam(RoutingContext ctx, String name, long min) {
        String text = ctx.queryParams().get(name);
        if (text == null) {
            return null;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= min) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Problem.BadRequest("INVALID_PARAMETER", "'" + name + "' must be an integer >= " + min);
    }

    private <T> Future<T> store(StoreRequest request, Function<Object, T> as) {
        return vertx.eventBus().request(Addresses.STORE, request).map(Message::body).map(as);
    }

    static Problem notFound(String type, UUID id, Long version) {
        String code = type.toUpperCase() + "_NOT_FOUND";
        return Problem.of(404, code, "Not found", type.toLowerCase() + " " + id
                + (version == null ? " does not exist" : " has no version " + version));
    }

    private static void queryFailure(RoutingContext ctx, String type, UUID id, Throwable failure) {
        if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                && reply.failureCode() == StoreVerticle.BAD_REQUEST) {
            notFound(type, id, null).send(ctx); // the id is another aggregate type's
            return;
        }
        busFailure(ctx, failure);
    }

    static void busFailure(RoutingContext ctx, Throwable failure) {
        Logs.correlated(ctx.get(CORRELATION_ID), () -> LOG.warn("{} {} failed: {}", ctx.request().method(),
                ctx.request().path(), failure.toString()));
        Problem.of(503, "STORE_UNAVAILABLE", "Service unavailable", "the service could not answer in time; retry").send(ctx);
    }

    private void failure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure instanceof Problem.BadRequest bad) {
            bad.problem().send(ctx);
        } else if (ctx.statusCode() == 413) {
            Problem.of(413, "BODY_TOO_LARGE", "Payload too large",
                    "the body is larger than " + config.http().bodyLimitBytes() + " bytes").send(ctx);
        } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            Problem.of(ctx.statusCode(), "MALFORMED_REQUEST", "Invalid request", "the request could not be read").send(ctx);
        } else {
            Logs.correlated(ctx.get(CORRELATION_ID), () -> LOG.error("Unhandled failure on {} {}", ctx.request().method(),
                    ctx.request().path(), failure));
            Problem.of(500, "INTERNAL_ERROR", "Internal error", "an unexpected error occurred").send(ctx);
        }
    }
}
