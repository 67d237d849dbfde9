package io.ordo.command;

import io.ordo.config.OrdoConfig;
import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.customer.CustomerEvent;
import io.ordo.domain.customer.CustomerRejection;
import io.ordo.domain.customer.CustomerState;
import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderRejection;
import io.ordo.es.Aggregate;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventEnvelope;
import io.ordo.es.Rejection;
import io.ordo.es.RejectionCode;
import io.ordo.ops.Logs;
import io.ordo.ops.OrdoMetrics;
import io.ordo.outbox.OutboxHint;
import io.ordo.store.AppendResult;
import io.ordo.store.EmailReservations;
import io.ordo.store.EventStore;
import io.ordo.store.ProcessedCommands.ProcessedCommand;
import io.ordo.store.StoreRequest;
import io.ordo.store.StoreVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Owns the aggregates whose {@code hash(id) % instances} is this verticle's shard. Commands for one
 * aggregate run strictly one batch after another; different aggregates run in parallel. With group
 * commit, the commands queued for one aggregate are decided one after another on the cached state
 * and committed in ONE conditional batch, and each caller gets its own answer. On a concurrency
 * conflict (another instance wrote) the aggregate is reloaded and the batch decided again.
 */
public final class AggregateVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(AggregateVerticle.class);

    private final int shard;
    private final OrdoConfig.Aggregates config;
    private final OrdoMetrics metrics;
    private final int snapshotEvery;
    private final DeliveryOptions appendOptions;
    /** Without the relay, the live feed comes from local commits; with it, from what reaches Kafka. */
    private final boolean liveFromLocalCommits;
    private final Map<String, Decider<Object, Object, DomainEvent>> deciders = new HashMap<>();
    private final Map<String, Pipeline> pipelines = new HashMap<>();
    private final Map<String, Aggregate<Object>> cache;

    public AggregateVerticle(int shard, OrdoConfig ordo, OrdoMetrics metrics) {
        this.shard = shard;
        this.metrics = metrics;
        this.config = ordo.aggregates();
        this.snapshotEvery = ordo.store().snapshotEvery();
        this.liveFromLocalCommits = !ordo.relay().enabled();
        // An append is up to five store round trips (outbox, commit, its resolution, aggregate_sequence).
        this.appendOptions = new DeliveryOptions().setSendTimeout(appendTimeout(ordo).toMillis());
        register(new OrderDecider());
        register(new CustomerDecider());
        this.cache = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Aggregate<Object>> eldest) {
                return size() > config.cacheSize();
            }
        };
    }

    /** How long an append may take before its outcome is reported unknown. */
    public static Duration appendTimeout(OrdoConfig ordo) {
        return ordo.store().requestTimeout().multipliedBy(5);
    }

    /** The shard that owns {@code aggregateId} among {@code instances} aggregate verticles. */
    public static int shardOf(UUID aggregateId, int instances) {
        return Math.floorMod(aggregateId.hashCode(), instances);
    }

    @SuppressWarnings("unchecked")
    private void register(Decider<?, ?, ?> decider) {
        deciders.put(decider.aggregateType(), (Decider<Object, Object, DomainEvent>) decider);
    }

    @Override
    public Future<?> start() {
        List<Future<Void>> registered = new ArrayList<>();
        for (String type : deciders.keySet()) {
            registered.add(vertx.eventBus().<CommandRequest>localConsumer(Addresses.commands(type, shard), this::enqueue)
                    .completion());
        }
        return Future.all(registered);
    }

    /** The commands waiting for one aggregate, and whether a batch of them is being processed. */
    private static final class Pipeline {
        final ArrayDeque<Message<CommandRequest>> queue = new ArrayDeque<>();
        boolean busy;
    }

    private void enqueue(Message<CommandRequest> message) {
        String key = key(message.body().aggregateType(), message.body().aggregateId());
        Pipeline pipeline = pipelines.computeIfAbsent(key, k -> new Pipeline());
        pipeline.queue.add(message);
        if (!pipeline.busy) {
            drain(key, pipeline);
        }
    }

    private void drain(String key, Pipeline pipeline) {
        pipeline.busy = true;
        int size = config.groupCommit() ? config.maxBatch() : 1;
        List<Message<CommandRequest>> batch = new ArrayList<>(Math.min(size, pipeline.queue.size()));
        Set<String> keys = new HashSet<>();
        Iterator<Message<CommandRequest>> queued = pipeline.queue.iterator();
        while (batch.size() < size && queued.hasNext()) {
            Message<CommandRequest> next = queued.next();
            String idempotencyKey = next.body().idempotencyKey();
            if (idempotencyKey != null && !keys.add(idempotencyKey)) {
                continue; // a retry racing its original: it waits for the next batch, then replays the recorded answer
            }
            queued.remove();
            batch.add(next);
        }
        CommandRequest first = batch.get(0).body();
        process(new Batch(first.aggregateType(), first.aggregateId(), batch))
                .onFailure(e -> Logs.correlated(first.metadata().correlationId(),
                        () -> LOG.error("Unexpected failure processing commands for {}", key, e)))
                .onComplete(done -> {
                    pipeline.busy = false;
                    if (pipeline.queue.isEmpty()) {
                        pipelines.remove(key);
                    } else {
                        drain(key, pipeline);
                    }
                });
    }

    // ---- one batch ---------------------------------------------------------------------------

    /** One batch of commands for one aggregate, across its attempts. */
    private static final class Batch {
        final String type;
        final UUID id;
        List<Message<CommandRequest>> messages;
        int attempt;
        /** Addresses this batch newly reserved, in any attempt: released unless committed or in doubt. */
        final Set<String> reserved = new HashSet<>();

        Batch(String type, UUID id, List<Message<CommandRequest>> messages) {
            this.type = type;
            this.id = id;
            this.messages = messages;
        }
    }

    /** What became of one command of a batch while it was decided. */
    private static final class Decided {
        final Message<CommandRequest> message;
        Rejection rejection;
        List<EventEnvelope<DomainEvent>> events = List.of();
        Aggregate<Object> after;

        Decided(Message<CommandRequest> message) {
            this.message = message;
        }
    }

    private Future<Void> process(Batch batch) {
        Decider<Object, Object, DomainEvent> decider = deciders.get(batch.type);
        boolean cached = cache.containsKey(key(batch.type, batch.id));
        Future<Aggregate<Object>> loaded = load(batch.type, batch.id);
        if (cached && batch.messages.stream().anyMatch(message -> message.body().expectedVersion() != null)) {
            loaded = loaded.compose(this::fresh); // an If-Match is answered against the store's version, not a stale cache
        }
        return loaded
                .compose(base -> decideAll(decider, base, batch)
                        .compose(decided -> commit(decider, base, cached, decided, batch)))
                .recover(failure -> {
                    cache.remove(key(batch.type, batch.id));
                    boolean unknown = StoreVerticle.isUnknownOutcome(failure);
                    if (!unknown) {
                        release(batch, Set.of()); // nothing was committed
                    }
                    CommandReply reply = isOtherAggregateType(failure)
                            ? new CommandReply.Rejected(notFound(batch.type).because(
                            "no " + batch.type.toLowerCase() + " has id " + batch.id), 0)
                            : new CommandReply.Unavailable(unknown, failure.getMessage());
                    batch.messages.forEach(message -> message.reply(reply));
                    return Future.succeededFuture();
                });
    }

    private Future<Aggregate<Object>> load(String type, UUID id) {
        Aggregate<Object> cached = cache.get(key(type, id));
        if (cached != null) {
            metrics.cacheHit(type);
            return Future.succeededFuture(cached);
        }
        metrics.cacheMiss(type);
        return vertx.eventBus().<Aggregate<Object>>request(Addresses.STORE, new StoreRequest.Load(type, id, null, null))
                .map(Message::body);
    }

    /** The cached aggregate if the store is still at its version (another instance may have written), else a reload. */
    private Future<Aggregate<Object>> fresh(Aggregate<Object> cached) {
        return vertx.eventBus().<EventStore.StreamHead>request(Addresses.STORE, new StoreRequest.Head(cached.id()))
                .compose(head -> {
                    if (head.body().version() == cached.version()) {
                        return Future.succeededFuture(cached);
                    }
                    cache.remove(key(cached.type(), cached.id()));
                    return load(cached.type(), cached.id());
                });
    }

    /** Decides the batch in order on an evolving state; answers at once what needs no commit. */
    private Future<List<Decided>> decideAll(Decider<Object, Object, DomainEvent> decider, Aggregate<Object> base,
                                            Batch batch) {
        List<Decided> decided = new ArrayList<>(batch.messages.size());
        Future<Aggregate<Object>> chain = Future.succeededFuture(base);
        for (Message<CommandRequest> message : batch.messages) {
            chain = chain.compose(working -> decideOne(decider, working, message, batch).map(result -> {
                if (result != null) {
                    decided.add(result);
                    if (result.after != null) {
                        return result.after;
                    }
                }
                return working;
            }));
        }
        return chain.map(last -> decided);
    }

    /** Null when the command was answered at once (a replay, a reused key, a version mismatch). */
    private Future<Decided> decideOne(Decider<Object, Object, DomainEvent> decider, Aggregate<Object> working,
                                      Message<CommandRequest> message, Batch batch) {
        CommandRequest request = message.body();
        Future<Boolean> answered = request.idempotencyKey() == null ? Future.succeededFuture(false)
                : replayIfProcessed(message);
        return answered.compose(done -> {
            if (done) {
                return Future.succeededFuture(null);
            }
            if (request.expectedVersion() != null && request.expectedVersion() != working.version()) {
                message.reply(new CommandReply.VersionMismatch(request.expectedVersion(), working.version()));
                return Future.succeededFuture(null);
            }
            return precondition(request).compose(refused -> {
                Decided result = new Decided(message);
                if (refused != null) {
                    result.rejection = refused;
                    return Future.succeededFuture(result);
                }
                var execution = working.execute(decider, request.command(), request.metadata(), Instant.now());
                if (execution instanceof Aggregate.Execution.Rejected<Object, DomainEvent> rejected) {
                    result.rejection = rejected.rejection();
                    return Future.succeededFuture(result);
                }
                var applied = (Aggregate.Execution.Applied<Object, DomainEvent>) execution;
                return claimEmail(request.aggregateId(), applied.events(), batch).map(taken -> {
                    if (taken) {
                        result.rejection = CustomerRejection.CUSTOMER_EMAIL_TAKEN.because(
                                "another customer already uses this email address");
                    } else {
                        result.events = applied.events();
                        result.after = applied.after();
                    }
                    return result;
                });
            });
        });
    }

    /** Rules that need another aggregate: an order's customer must exist and be active. */
    private Future<Rejection> precondition(CommandRequest request) {
        if (!(request.command() instanceof OrderCommand.CreateOrder create) || create.customerId() == null) {
            return Future.succeededFuture(null);
        }
        return vertx.eventBus().<Aggregate<Object>>request(Addresses.STORE,
                        new StoreRequest.Load(CustomerDecider.AGGREGATE_TYPE, create.customerId(), null, null))
                .map(Message::body)
                .map(customer -> {
                    if (!customer.exists()) {
                        return OrderRejection.ORDER_CUSTOMER_UNKNOWN.because("customer " + create.customerId() + " does not exist");
                    }
                    return ((CustomerState) customer.state()).isActive() ? null
                            : OrderRejection.ORDER_CUSTOMER_INACTIVE.because("customer " + create.customerId() + " is deactivated");
                })
                .recover(e -> isOtherAggregateType(e)
                        ? Future.succeededFuture(OrderRejection.ORDER_CUSTOMER_UNKNOWN.because(
                        create.customerId() + " is not a customer"))
                        : Future.failedFuture(e));
    }

    /** Reserves the address a customer event claims; answers whether another customer holds it. */
    private Future<Boolean> claimEmail(UUID customerId, List<EventEnvelope<DomainEvent>> events, Batch batch) {
        String email = claimedEmail(events);
        if (email == null) {
            return Future.succeededFuture(false);
        }
        return vertx.eventBus().<EmailReservations.Reservation>request(Addresses.STORE,
                        new StoreRequest.ReserveEmail(email, customerId))
                .map(reply -> {
                    if (reply.body() == EmailReservations.Reservation.RESERVED) {
                        batch.reserved.add(email);
                    }
                    return reply.body() == EmailReservations.Reservation.TAKEN;
                });
    }

    private static String claimedEmail(List<? extends EventEnvelope<?>> events) {
        for (EventEnvelope<?> event : events) {
            if (event.eventData() instanceof CustomerEvent.CustomerRegistered registered) {
                return registered.email();
            }
            if (event.eventData() instanceof CustomerEvent.CustomerEmailChanged changed) {
                return changed.email();
            }
        }
        return null;
    }

    private Future<Void> commit(Decider<Object, Object, DomainEvent> decider, Aggregate<Object> base, boolean cached,
                                List<Decided> decided, Batch batch) {
        List<EventEnvelope<?>> events = new ArrayList<>();
        Aggregate<Object> after = base;
        for (Decided one : decided) {
            events.addAll(one.events);
            if (one.after != null) {
                after = one.after;
            }
        }
        if (events.isEmpty()) {
            boolean rejected = decided.stream().anyMatch(one -> one.rejection != null);
            if (cached && rejected && batch.attempt < config.maxRetries()) {
                // A rejection decided on a cached state must hold against the store's version.
                return fresh(base).compose(current -> {
                    if (current == base) {
                        return answer(decided, base);
                    }
                    return retry(batch, decided);
                });
            }
            return answer(decided, base);
        }
        Aggregate<Object> committed = after;
        return vertx.eventBus().<AppendResult>request(Addresses.STORE,
                        new StoreRequest.Append(batch.type, base.id(), base.version(), events), appendOptions)
                .compose(reply -> {
                    if (reply.body() instanceof AppendResult.Conflict conflict) {
                        metrics.conflict(batch.type);
                        cache.remove(key(batch.type, base.id()));
                        if (batch.attempt < config.maxRetries()) {
                            return retry(batch, decided);
                        }
                        release(batch, Set.of());
                        decided.forEach(one -> one.message.reply(new CommandReply.Contended(conflict.currentVersion())));
                        return Future.succeededFuture();
                    }
                    cache.put(key(batch.type, base.id()), committed);
                    metrics.appended(batch.type, events.size());
                    return afterCommit(base, committed, events, batch).compose(v -> answer(decided, committed));
                }, failure -> Future.failedFuture(failure instanceof ReplyException reply
                        && reply.failureType() == ReplyFailure.TIMEOUT
                        ? StoreVerticle.unknownOutcome("the append did not answer within " + appendOptions.getSendTimeout() + " ms")
                        : failure));
    }

    /** Decides the batch again on a reloaded state, after a short random pause that lets contenders through. */
    private Future<Void> retry(Batch batch, List<Decided> decided) {
        batch.messages = decided.stream().map(one -> one.message).toList();
        batch.attempt++;
        metrics.retry(batch.type);
        long pause = 1 + ThreadLocalRandom.current().nextLong(4L << Math.min(batch.attempt, 6));
        return vertx.timer(pause).compose(v -> process(batch));
    }

    /** Publishes the events, frees addresses the customer moved away from, snapshots at the interval. */
    private Future<Void> afterCommit(Aggregate<Object> base, Aggregate<Object> committed, List<EventEnvelope<?>> events,
                                     Batch batch) {
        vertx.eventBus().send(Addresses.RELAY, OutboxHint.committed(events));
        String kept = committed.state() instanceof CustomerState customer ? customer.email() : null;
        List<Future<?>> releases = new ArrayList<>();
        for (EventEnvelope<?> event : events) {
            if (liveFromLocalCommits) {
                vertx.eventBus().publish(Addresses.live(committed.type()), event);
            }
            if (event.eventData() instanceof CustomerEvent.CustomerEmailChanged changed && changed.previousEmail() != null
                    && !changed.previousEmail().equals(kept)) {
                releases.add(vertx.eventBus().request(Addresses.STORE,
                        new StoreRequest.ReleaseEmail(changed.previousEmail(), committed.id())));
            }
        }
        release(batch, kept == null ? Set.of() : Set.of(kept));
        if (committed.version() / snapshotEvery > base.version() / snapshotEvery) {
            vertx.eventBus().request(Addresses.STORE, new StoreRequest.Snapshot(committed));
        }
        // The next batch must not start before a freed address is really free (it may claim it again).
        return Future.join(releases).otherwiseEmpty().mapEmpty();
    }

    /** Releases the addresses this batch reserved, except {@code kept}. Never called while an outcome is in doubt. */
    private void release(Batch batch, Set<String> kept) {
        for (String email : batch.reserved) {
            if (!kept.contains(email)) {
                vertx.eventBus().request(Addresses.STORE, new StoreRequest.ReleaseEmail(email, batch.id));
            }
        }
        batch.reserved.clear();
    }

    /** Records idempotency keys, then answers every caller of the batch. */
    private Future<Void> answer(List<Decided> decided, Aggregate<Object> committed) {
        List<Future<?>> recorded = new ArrayList<>();
        for (Decided one : decided) {
            CommandRequest request = one.message.body();
            if (request.idempotencyKey() != null) {
                JsonObject outcome = one.rejection == null
                        ? new JsonObject().put("outcome", "accepted").put("version", versionAfter(one, committed))
                        : new JsonObject().put("outcome", "rejected").put("code", one.rejection.code().name())
                        .put("kind", one.rejection.code().kind().name()).put("message", one.rejection.message())
                        .put("version", committed.version());
                recorded.add(vertx.eventBus().request(Addresses.STORE, new StoreRequest.RecordCommand(new ProcessedCommand(
                        request.idempotencyKey(), request.aggregateId(), request.command().getClass().getSimpleName(),
                        request.requestHash(), outcome.encode()))));
            }
        }
        return Future.join(recorded).otherwiseEmpty().map(v -> {
            for (Decided one : decided) {
                one.message.reply(one.rejection != null
                        ? new CommandReply.Rejected(one.rejection, committed.version())
                        : new CommandReply.Accepted(one.after != null ? one.after : committed, List.copyOf(one.events)));
            }
            return null;
        });
    }

    private static long versionAfter(Decided one, Aggregate<Object> committed) {
        return one.after != null ? one.after.version() : committed.version();
    }

    /** Answers a key seen before: the same request gets its first answer, another request a 422. */
    private Future<Boolean> replayIfProcessed(Message<CommandRequest> message) {
        CommandRequest request = message.body();
        return vertx.eventBus().<ProcessedCommand>request(Addresses.STORE, new StoreRequest.FindCommand(request.idempotencyKey()))
                .compose(reply -> {
                    ProcessedCommand processed = reply.body();
                    if (processed == null) {
                        return Future.succeededFuture(false);
                    }
                    if (!processed.requestHash().equals(request.requestHash())
                            || !processed.aggregateId().equals(request.aggregateId())) {
                        message.reply(new CommandReply.KeyReused(request.idempotencyKey()));
                        return Future.succeededFuture(true);
                    }
                    JsonObject outcome = new JsonObject(processed.response());
                    long version = outcome.getLong("version");
                    if ("rejected".equals(outcome.getString("outcome"))) {
                        message.reply(new CommandReply.Replayed(new CommandReply.Rejected(
                                new RecordedCode(outcome.getString("code"), Rejection.Kind.valueOf(outcome.getString("kind")))
                                        .because(outcome.getString("message")), version)));
                        return Future.succeededFuture(true);
                    }
                    return vertx.eventBus().<Aggregate<Object>>request(Addresses.STORE,
                                    new StoreRequest.Load(request.aggregateType(), request.aggregateId(), version, null))
                            .map(loaded -> {
                                message.reply(new CommandReply.Replayed(new CommandReply.Accepted(loaded.body(), List.of())));
                                return true;
                            });
                });
    }

    /** The store refuses an id that belongs to another aggregate type as bad input. */
    private static boolean isOtherAggregateType(Throwable failure) {
        return failure instanceof ReplyException reply && reply.failureCode() == StoreVerticle.BAD_REQUEST;
    }

    private static RejectionCode notFound(String type) {
        return type.equals(OrderDecider.AGGREGATE_TYPE) ? OrderRejection.ORDER_NOT_FOUND : CustomerRejection.CUSTOMER_NOT_FOUND;
    }

    /** A rejection code read back from an idempotency record. */
    private record RecordedCode(String name, Rejection.Kind kind) implements RejectionCode {
    }

    private static String key(String type, UUID id) {
        return type + ":" + id;
    }
}
