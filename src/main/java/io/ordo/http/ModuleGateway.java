package io.ordo.http;

import io.ordo.cluster.ShardOwnership;
import io.ordo.cluster.Shards;
import io.ordo.command.Addresses;
import io.ordo.command.CommandReply;
import io.ordo.command.CommandRequest;
import io.ordo.command.CommandVerticle;
import io.ordo.config.OrdoConfig;
import io.ordo.es.CommandMetadata;
import io.ordo.module.AggregateModule;
import io.ordo.ops.OrdoMetrics;
import io.ordo.ops.Retry;
import io.ordo.store.StoreRequest;
import io.ordo.store.StoreVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The gateway one module's routes are given: commands to the aggregate's shard, queries to the store. */
final class ModuleGateway implements Gateway {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final int DEFAULT_PAGE = 50;

    private final Vertx vertx;
    private final Router router;
    private final AggregateModule<?, ?, ?> module;
    private final OrdoConfig config;
    private final Addresses addresses;
    private final OrdoMetrics metrics;
    private final ReadYourWrites readYourWrites;
    private final DeliveryOptions commandOptions;
    private final ShardOwnership ownership;
    private final String type;
    /** While a shard has no consumer (its owner is handing it over), a command is sent again, for up to this long. */
    static final long HANDOVER_WAIT_MS = 5_000;
    private final Retry handoverRetry;
    private final boolean clustered;
    /** Commands sent and not yet answered, by the member that owned their shard (this gateway's event loop only). */
    private final Map<String, Set<Promise<Message<CommandReply>>>> inFlight = new HashMap<>();

    ModuleGateway(Vertx vertx, Router router, AggregateModule<?, ?, ?> module, OrdoConfig config, HttpApi.Wiring wiring,
                  ReadYourWrites readYourWrites) {
        this.vertx = vertx;
        this.router = router;
        this.module = module;
        this.config = config;
        this.addresses = wiring.addresses();
        this.metrics = wiring.metrics();
        this.ownership = wiring.ownership();
        this.readYourWrites = readYourWrites;
        this.type = module.decider().aggregateType();
        // Longer than an append may take, plus time queued behind other commands of the aggregate.
        this.commandOptions = new DeliveryOptions()
                .setSendTimeout(CommandVerticle.appendTimeout(config).plusSeconds(10).toMillis());
        if (wiring.commandOptions() != null) {
            commandOptions.setCodecName(wiring.commandOptions().getCodecName());
        }
        this.handoverRetry = new Retry(vertx, 50, 500);
        this.clustered = wiring.clustered();
        if (clustered) {
            vertx.eventBus().localConsumer(addresses.ownership(), change -> answerWhatLeftMembersHeld());
        }
    }

    @Override
    public Router router() {
        return router;
    }

    @Override
    public RequestReader body(RoutingContext ctx, Set<String> fields) {
        Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        return RequestReader.of(body == null ? null : body.toString(StandardCharsets.UTF_8), fields);
    }

    @Override
    public UUID pathId(RoutingContext ctx) {
        return HttpApi.pathId(ctx);
    }

    @Override
    public UUID newId(RoutingContext ctx, UUID chosen) {
        if (chosen != null) {
            return chosen;
        }
        String key = ctx.request().getHeader(IDEMPOTENCY_KEY);
        return key == null ? UUID.randomUUID()
                : UUID.nameUUIDFromBytes(("ordo:" + type.toLowerCase() + ":" + key).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void command(RoutingContext ctx, UUID id, Object command, Answer answer) {
        String key = ctx.request().getHeader(IDEMPOTENCY_KEY);
        if (key != null && (key.isBlank() || key.length() > 200)) {
            throw new Problem.BadRequest("INVALID_HEADER", IDEMPOTENCY_KEY + " must be 1 to 200 characters");
        }
        Long expected = ifMatch(ctx.request().getHeader("If-Match"));
        String user = ctx.request().getHeader(HttpApi.USER_ID);
        CommandMetadata metadata = new CommandMetadata(UUID.randomUUID(), ctx.get(HttpApi.CORRELATION_ID),
                user == null ? null : HttpApi.header(user, HttpApi.USER_ID), Map.of());
        CommandRequest request = new CommandRequest(type, id, command, metadata, expected, key,
                key == null ? null : hash(ctx));
        int shard = Shards.of(id, ownership.shards());
        String address = addresses.commands(type, shard);
        long started = System.nanoTime();
        String name = command.getClass().getSimpleName();
        if (!ownership.current().owns(shard)) {
            metrics.commandForwarded();
        }
        long giveUpAt = started + HANDOVER_WAIT_MS * 1_000_000;
        // No consumer: the shard is between owners (a member left or joined); nothing ran, so sending again is safe.
        handoverRetry.run(() -> send(address, request, shard),
                        (failure, attempt) -> failure instanceof ReplyException reply
                                && reply.failureType() == ReplyFailure.NO_HANDLERS && System.nanoTime() < giveUpAt)
                .onSuccess(reply -> {
                    metrics.command(name, CommandReplies.outcome(reply.body()), System.nanoTime() - started);
                    CommandReplies.answer(ctx, module, reply.body(), answer, false);
                })
                .onFailure(failure -> {
                    metrics.command(name, "unavailable", System.nanoTime() - started);
                    if (failure instanceof OwnerLeft
                            || failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
                        // The command may still be queued and run: its outcome is unknown, not failed.
                        CommandReplies.answer(ctx, module, new CommandReply.Unavailable(true, failure.getMessage()), answer,
                                false);
                    } else if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
                        Problem.of(503, "SHARD_UNAVAILABLE", "Service unavailable", "no member serves the shard of "
                                + type.toLowerCase() + " " + id + " yet (a member left or joined); nothing was changed: retry")
                                .send(ctx);
                    } else {
                        HttpApi.busFailure(ctx, failure);
                    }
                });
    }

    /** The member a command was sent to left the cluster before answering: it will never answer. */
    private static final class OwnerLeft extends RuntimeException {
        OwnerLeft(String member) {
            super("the member that owned the shard (" + member + ") left before answering", null, false, false);
        }
    }

    /**
     * Sends a command to its shard's address; in cluster mode it is also tracked under the member that owns
     * the shard now, so that when that member leaves (a kill, a crash) the command is answered at once, as
     * of unknown outcome, instead of after the command timeout (a dead member's messages are never answered).
     */
    private Future<Message<CommandReply>> send(String address, CommandRequest request, int shard) {
        Future<Message<CommandReply>> sent = vertx.eventBus().request(address, request, commandOptions);
        String owner = ownership.current().ring().ownerOf(shard);
        if (!clustered || owner == null || owner.equals(ownership.self())) {
            return sent;
        }
        Promise<Message<CommandReply>> answered = Promise.promise();
        Set<Promise<Message<CommandReply>>> pending = inFlight.computeIfAbsent(owner, member -> new HashSet<>());
        pending.add(answered);
        sent.onComplete(result -> {
            pending.remove(answered);
            if (pending.isEmpty()) {
                inFlight.remove(owner, pending);
            }
            if (result.succeeded()) {
                answered.tryComplete(result.result());
            } else {
                answered.tryFail(result.cause());
            }
        });
        return answered.future();
    }

    /** Answers the commands in flight to members that are no longer in the cluster. */
    private void answerWhatLeftMembersHeld() {
        Set<String> members = Set.copyOf(ownership.current().ring().members());
        List<String> left = inFlight.keySet().stream().filter(member -> !members.contains(member)).toList();
        for (String member : left) {
            inFlight.remove(member).forEach(promise -> promise.tryFail(new OwnerLeft(member)));
        }
    }

    @Override
    public void summary(RoutingContext ctx, String query, UUID id) {
        Long minVersion = minVersion(ctx);
        long waitMs = config.projections().readYourWritesTimeoutMs();
        String kind = type.toLowerCase();
        readYourWrites.read(new StoreRequest.Query(type, query, new JsonObject().put("id", id.toString())), id, minVersion,
                System.currentTimeMillis() + waitMs).onSuccess(found -> {
            long version = ReadYourWrites.versionOf(found);
            if (minVersion != null && version < minVersion) {
                Problem.of(503, "PROJECTION_BEHIND", "Service unavailable", "the read model holds version " + version
                                + " of " + kind + " " + id + "; version " + minVersion + " was not projected within "
                                + waitMs + " ms")
                        .with("version", version).with("minVersion", minVersion).send(ctx);
            } else if (found == null) {
                Problem.of(404, module.notFound().name(), "Not found", "the read model has no " + kind + " " + id
                        + " (yet: it is eventually consistent; ask with minVersion to wait for a write)").send(ctx);
            } else {
                ctx.response().putHeader("ETag", "\"" + version + "\"")
                        .putHeader("Content-Type", "application/json").end(found.encode());
            }
        }).onFailure(failure -> HttpApi.busFailure(ctx, failure));
    }

    @Override
    public void list(RoutingContext ctx, String query, JsonObject params) {
        if (ctx.queryParams().contains("minVersion")) {
            // A list has no one version to wait for; each row says its own.
            throw new Problem.BadRequest("INVALID_PARAMETER", "'minVersion' applies to one aggregate's summary, not to a list");
        }
        Long limit = HttpApi.longParam(ctx, "limit", 1);
        if (limit != null && limit > HttpApi.MAX_PAGE) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "'limit' is at most " + HttpApi.MAX_PAGE);
        }
        JsonObject asked = params.copy().put("limit", limit == null ? DEFAULT_PAGE : limit.intValue())
                .put("cursor", ctx.queryParams().get("cursor"));
        vertx.eventBus().<JsonObject>request(addresses.store(), new StoreRequest.Query(type, query, asked))
                .onSuccess(reply -> ctx.response().putHeader("Content-Type", "application/json").end(reply.body().encode()))
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

    private static Long ifMatch(String header) {
        if (header == null) {
            return null;
        }
        Long version = HttpApi.etagVersion(header);
        if (version == null || version < 0) {
            throw new Problem.BadRequest("INVALID_HEADER", "If-Match must be a version such as \"3\"");
        }
        return version;
    }

    /** Identifies the request (method, path within the API, body), to tell a replay from a reused key. */
    private static String hash(RoutingContext ctx) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((ctx.request().method() + " " + HttpApi.pathInApi(ctx) + "\n").getBytes(StandardCharsets.UTF_8));
            if (ctx.body() != null && ctx.body().buffer() != null) {
                digest.update(ctx.body().buffer().getBytes());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
