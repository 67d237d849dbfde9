package io.ordo.http;

import io.ordo.cluster.ShardOwnership;
import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.es.Aggregate;
import io.ordo.es.EventEnvelope;
import io.ordo.module.AggregateModule;
import io.ordo.module.Modules;
import io.ordo.ops.Health;
import io.ordo.ops.Logs;
import io.ordo.ops.OrdoMetrics;
import io.ordo.store.EventStore;
import io.ordo.store.StoreRequest;
import io.ordo.store.StoreVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Ordo's HTTP API as a {@link Router}: the plumbing every request goes through (correlation id,
 * content type, body limit, OpenAPI validation, problem+json for every failure), the routes Ordo
 * serves for every module ({@code GET /{collection}/{id}} now or in the past, its events, its live
 * feeds), each module's own routes (registered on its {@link Gateway}), metrics, health and the
 * operators' routes. The same router serves the {@code HttpVerticle} and an application that embeds
 * Ordo, mounted anywhere.
 */
public final class HttpApi {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    static final String CORRELATION_ID = "X-Correlation-Id";
    static final String USER_ID = "X-User-Id";
    static final int MAX_PAGE = 1_000;

    /** What the router is built from, once per Ordo. */
    /**
     * @param commandOptions delivery options of commands to their shard's owner (the serializing codec in
     *                       cluster mode), or null for a single instance
     */
    public record Wiring(OrdoConfig config, Modules modules, Addresses addresses, Contract contract, OrdoMetrics metrics,
                         Health health, ShardOwnership ownership, DeliveryOptions commandOptions, boolean clustered) {
    }

    private final Vertx vertx;
    private final Wiring wiring;
    private final OrdoConfig config;

    private HttpApi(Vertx vertx, Wiring wiring) {
        this.vertx = vertx;
        this.wiring = wiring;
        this.config = wiring.config();
    }

    /** Loads the modules' OpenAPI documents, which validate request bodies: once per Ordo, before any router is built. */
    public static Future<Contract> contract(Vertx vertx, Modules modules) {
        List<String> documents = new ArrayList<>();
        for (AggregateModule<?, ?, ?> module : modules.all()) {
            String document = module.openApiDocument();
            if (document != null && !documents.contains(document)) {
                documents.add(document);
            }
        }
        List<Future<OpenApiValidation>> loaded = documents.stream().map(document -> OpenApiValidation.load(vertx, document))
                .toList();
        return Future.all(loaded).map(done -> {
            Map<String, OpenApiValidation> byDocument = new LinkedHashMap<>();
            for (int i = 0; i < documents.size(); i++) {
                byDocument.put(documents.get(i), loaded.get(i).result());
            }
            return new Contract(byDocument);
        });
    }

    /** The loaded OpenAPI documents, opaque outside this package. */
    public static final class Contract {
        private final Map<String, OpenApiValidation> documents;

        private Contract(Map<String, OpenApiValidation> documents) {
            this.documents = documents;
        }
    }

    /** A router with every route of the API; mount it where you like with {@code subRouter}. */
    public static Router router(Vertx vertx, Wiring wiring) {
        return new HttpApi(vertx, wiring).build();
    }

    private Router build() {
        Router router = Router.router(vertx);
        router.route().handler(this::correlate);
        serveDocuments(router);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(wiring.metrics().scrape()));
        router.get("/health/live").handler(wiring.health().liveHandler());
        router.get("/health/ready").handler(wiring.health().readyHandler());
        router.get("/health/relay").handler(wiring.health().relayHandler());
        for (AggregateModule<?, ?, ?> module : wiring.modules().all()) {
            LiveEvents live = new LiveEvents(vertx, wiring.modules().codec(), wiring.addresses(), module.decider().aggregateType(),
                    config.http().wsMaxQueuedBytes(), wiring.metrics());
            router.get("/ws/" + module.collection()).handler(live::all);
            router.get("/ws/" + module.collection() + "/:id").handler(ctx -> live.one(ctx, pathId(ctx)));
        }

        // For every method, not only POST and PUT: a route restricted by method would turn an unknown
        // path into a 405 instead of a 404.
        router.route().handler(this::requireJson);
        router.route().handler(BodyHandler.create(false).setBodyLimit(config.http().bodyLimitBytes()));
        router.route().handler(this::validate);

        ReadYourWrites readYourWrites = new ReadYourWrites(vertx, wiring.addresses());
        for (AggregateModule<?, ?, ?> module : wiring.modules().all()) {
            router.get("/" + module.collection() + "/:id").handler(ctx -> query(ctx, module, pathId(ctx)));
            router.get("/" + module.collection() + "/:id/events").handler(ctx -> events(ctx, module, pathId(ctx)));
            module.routes(new ModuleGateway(vertx, router, module, config, wiring, readYourWrites));
        }
        new OpsRoutes(vertx, config, wiring.addresses(), wiring.ownership(), wiring.clustered()).mount(router);

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

    /** The modules' OpenAPI documents: the first at {@code /openapi.yaml}, each by its file name. */
    private void serveDocuments(Router router) {
        boolean first = true;
        for (Map.Entry<String, OpenApiValidation> document : wiring.contract().documents.entrySet()) {
            String text = document.getValue().document();
            String name = document.getKey().substring(document.getKey().lastIndexOf('/') + 1);
            if (first) {
                router.get("/openapi.yaml").handler(ctx -> ctx.response()
                        .putHeader("Content-Type", "application/yaml").end(text));
                first = false;
            }
            if (!name.equals("openapi.yaml")) {
                router.get("/openapi/" + name).handler(ctx -> ctx.response()
                        .putHeader("Content-Type", "application/yaml").end(text));
            }
        }
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

    /** Validates the body against the document that describes the request's operation, if any does. */
    private void validate(RoutingContext ctx) {
        for (OpenApiValidation document : wiring.contract().documents.values()) {
            if (document.describes(ctx)) {
                document.handle(ctx);
                return;
            }
        }
        ctx.next();
    }

    /** The request's path within Ordo's API: without the mount point a host mounted Ordo's router at. */
    static String pathInApi(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        String mount = ctx.mountPoint();
        if (mount == null || mount.isEmpty() || mount.equals("/")) {
            return path;
        }
        String prefix = mount.endsWith("/") ? mount.substring(0, mount.length() - 1) : mount;
        return path.startsWith(prefix) ? (path.length() == prefix.length() ? "/" : path.substring(prefix.length())) : path;
    }

    /** {@code path} (within Ordo's API) as a client reaches it: under the router's mount point. */
    static String mounted(RoutingContext ctx, String path) {
        String mount = ctx.mountPoint();
        if (mount == null || mount.isEmpty() || mount.equals("/")) {
            return path;
        }
        return (mount.endsWith("/") ? mount.substring(0, mount.length() - 1) : mount) + path;
    }

    static UUID pathId(RoutingContext ctx) {
        try {
            return RequestReader.parseUuid(ctx.pathParam("id"), "id");
        } catch (Problem.BadRequest notAUuid) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "the id in the path must be a UUID");
        }
    }

    static UUID header(String value, String name) {
        try {
            if (value.length() == 36) {
                return UUID.fromString(value);
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new Problem.BadRequest("INVALID_HEADER", name + " must be a UUID");
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

    // ---- what Ordo serves of every module's aggregates -----------------------------------------------

    /** {@code GET /{collection}/{id}}: now, at {@code ?version=}, or at {@code ?at=} (an instant). */
    private void query(RoutingContext ctx, AggregateModule<?, ?, ?> module, UUID id) {
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
        String type = module.decider().aggregateType();
        store(new StoreRequest.Load(type, id, version, at), aggregate -> (Aggregate<?>) aggregate)
                .onSuccess(aggregate -> {
                    if (!aggregate.exists() || (askedVersion != null && aggregate.version() < askedVersion)) {
                        notFound(module, id, askedVersion).send(ctx);
                        return;
                    }
                    ctx.response().putHeader("ETag", "\"" + aggregate.version() + "\"")
                            .putHeader("Content-Type", "application/json").end(Representation.of(module, aggregate).encode());
                })
                .onFailure(failure -> queryFailure(ctx, module, id, failure));
    }

    /** {@code GET /{collection}/{id}/events?from=&limit=}: the envelopes, a page at a time. */
    private void events(RoutingContext ctx, AggregateModule<?, ?, ?> module, UUID id) {
        Long fromParam = longParam(ctx, "from", 1);
        long from = fromParam == null ? 1 : fromParam;
        Long limitParam = longParam(ctx, "limit", 1);
        if (limitParam != null && limitParam > MAX_PAGE) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "'limit' is at most " + MAX_PAGE);
        }
        int limit = limitParam == null ? 100 : limitParam.intValue();
        String type = module.decider().aggregateType();
        store(new StoreRequest.Events(id, from, limit), page -> (StoreRequest.EventPage) page)
                .compose(page -> page.events().isEmpty()
                        // An empty page past the end of the aggregate's stream, or of no such aggregate at all?
                        ? store(new StoreRequest.Head(id), head -> (EventStore.StreamHead) head)
                        .map(head -> type.equals(head.aggregateType()) ? page : null)
                        : Future.succeededFuture(page))
                .onSuccess(page -> {
                    if (page == null || page.events().stream().anyMatch(e -> !type.equals(e.aggregateType()))) {
                        notFound(module, id, null).send(ctx);
                        return;
                    }
                    StringBuilder json = new StringBuilder("{\"events\":[");
                    for (int i = 0; i < page.events().size(); i++) {
                        json.append(i == 0 ? "" : ",").append(wiring.modules().codec().encode((EventEnvelope<?>) page.events().get(i)));
                    }
                    json.append("],\"next\":").append(page.next() == null ? "null" : page.next()).append('}');
                    ctx.response().putHeader("Content-Type", "application/json").end(json.toString());
                })
                .onFailure(failure -> queryFailure(ctx, module, id, failure));
    }

    private <T> Future<T> store(StoreRequest request, Function<Object, T> as) {
        return vertx.eventBus().request(wiring.addresses().store(), request).map(Message::body).map(as);
    }

    private static Problem notFound(AggregateModule<?, ?, ?> module, UUID id, Long version) {
        String kind = module.decider().aggregateType().toLowerCase();
        return Problem.of(404, module.notFound().name(), "Not found", kind + " " + id
                + (version == null ? " does not exist" : " has no version " + version));
    }

    private static void queryFailure(RoutingContext ctx, AggregateModule<?, ?, ?> module, UUID id, Throwable failure) {
        if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                && reply.failureCode() == StoreVerticle.BAD_REQUEST) {
            notFound(module, id, null).send(ctx); // the id is another aggregate type's
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
