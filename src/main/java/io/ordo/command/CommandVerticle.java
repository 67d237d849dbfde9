package io.ordo.command;

import io.ordo.cluster.ShardOwnership;
import io.ordo.cluster.Shards;
import io.ordo.config.OrdoConfig;
import io.ordo.es.Aggregate;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventEnvelope;
import io.ordo.module.AggregateModule;
import io.ordo.module.Modules;
import io.ordo.ops.Logs;
import io.ordo.ops.OrdoMetrics;
import io.ordo.outbox.OutboxHint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
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
 * A generic command processor: consumes the command addresses of the shards it takes (of those this
 * member owns, the ones with {@code shard % instances == index}) for every module's type (clustered
 * addresses in cluster mode, so any member's HTTP verticle reaches the owner), and follows the
 * ownership as members come and go: a shard it loses is unregistered and its aggregates leave the
 * cache, a shard it takes starts from the store. It keeps a mailbox per aggregate (one batch of its commands at a time, batches of everything
 * queued with group commit), and caches loaded aggregates (LRU) with their version, so a command
 * normally costs no read. Each batch is a {@link BatchRun}; what is common to them (the cache, the
 * store client, the meters, what follows a commit) is here. Names no module: each is asked through
 * the contract (its decider, its rules).
 */
public final class CommandVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(CommandVerticle.class);

    private final int index;
    private final int instances;
    private final ShardOwnership ownership;
    /** Replies that may cross to another member need the serializing codec; null: local delivery. */
    private final DeliveryOptions replies;
    private final Modules modules;
    private final Addresses addresses;
    private final OrdoConfig.Aggregates config;
    private final OrdoMetrics metrics;
    private final int snapshotEvery;
    private final long appendTimeoutMs;
    private final Duration lease;
    /** Without the relay, the live feed comes from local commits; with it, from what reaches Kafka. */
    private final boolean liveFromLocalCommits;
    private final Map<String, Mailbox<Message<CommandRequest>>> mailboxes = new HashMap<>();
    private final Map<String, Aggregate<Object>> cache;
    /** The command consumers of each shard taken, one per aggregate type. */
    private final Map<Integer, List<MessageConsumer<CommandRequest>>> consumers = new HashMap<>();
    private MessageConsumer<Object> ownershipChanges;
    private Future<Void> reconciling = Future.succeededFuture();
    private StoreClient store;

    /** An aggregate as a batch starts from it, and whether it came from the cache (so may be behind the store). */
    record Loaded(Aggregate<Object> aggregate, boolean fromCache) {
    }

    /**
     * @param index     which of the {@code aggregates.instances} processors this is
     * @param replies   delivery options of the replies (a serializing codec in cluster mode), or null
     */
    public CommandVerticle(int index, ShardOwnership ownership, DeliveryOptions replies, Modules modules, Addresses addresses,
                           OrdoConfig ordo, OrdoMetrics metrics) {
        this.index = index;
        this.instances = ordo.aggregates().instances();
        this.ownership = ownership;
        this.replies = replies;
        this.modules = modules;
        this.addresses = addresses;
        this.metrics = metrics;
        this.config = ordo.aggregates();
        this.snapshotEvery = ordo.store().snapshotEvery();
        this.appendTimeoutMs = appendTimeout(ordo).toMillis();
        this.lease = Duration.ofMillis(Math.max(config.claimLeaseMs(), 2 * appendTimeoutMs));
        this.liveFromLocalCommits = !ordo.relay().enabled();
        this.cache = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Aggregate<Object>> eldest) {
                return size() > config.cacheSize();
            }
        };
    }

    /** How long an append may take before its outcome is reported unknown (up to five store round trips). */
    public static Duration appendTimeout(OrdoConfig ordo) {
        return ordo.store().requestTimeout().multipliedBy(5);
    }

    /** The name this processor reports its reconciliations under. */
    public static String taker(int index) {
        return "commands-" + index;
    }

    @Override
    public Future<?> start() {
        store = new StoreClient(vertx, addresses.store(), appendTimeoutMs);
        // Listening first, then reconciling: an ownership change in between is not missed.
        ownershipChanges = vertx.eventBus().localConsumer(addresses.ownership(), change -> reconcile());
        return ownershipChanges.completion().compose(v -> reconcile());
    }

    @Override
    public Future<?> stop() {
        return ownershipChanges.unregister().compose(v -> reconciling.otherwiseEmpty())
                .compose(v -> Future.join(consumers.values().stream().flatMap(List::stream)
                        .map(MessageConsumer::unregister).toList()));
    }

    /** Consumes exactly the shards this processor takes in the current ownership; one reconciliation at a time. */
    private Future<Void> reconcile() {
        reconciling = reconciling.otherwiseEmpty().compose(v -> reconcileWith(ownership.current()));
        return reconciling;
    }

    private Future<Void> reconcileWith(ShardOwnership.Snapshot snapshot) {
        List<Future<Void>> changes = new ArrayList<>();
        for (int shard = index; shard < ownership.shards(); shard += instances) {
            boolean taken = consumers.containsKey(shard);
            if (snapshot.owns(shard) && !taken) {
                changes.add(take(shard));
            } else if (!snapshot.owns(shard) && taken) {
                changes.add(release(shard));
            }
        }
        return Future.join(changes).onComplete(done -> ownership.reconciled(taker(index), snapshot.epoch())).mapEmpty();
    }

    private Future<Void> take(int shard) {
        List<MessageConsumer<CommandRequest>> registered = new ArrayList<>();
        for (String type : modules.types()) {
            String address = addresses.commands(type, shard);
            registered.add(replies == null ? vertx.eventBus().localConsumer(address, this::enqueue)
                    : vertx.eventBus().consumer(address, this::enqueue));
        }
        consumers.put(shard, registered);
        return Future.join(registered.stream().map(MessageConsumer::completion).toList()).mapEmpty();
    }

    /**
     * Stops taking {@code shard}'s commands: what is queued still runs (its writes are conditional), and
     * its aggregates leave the cache, so that taking the shard again starts from the store.
     */
    private Future<Void> release(int shard) {
        List<MessageConsumer<CommandRequest>> registered = consumers.remove(shard);
        cache.values().removeIf(cached -> Shards.of(cached.id(), ownership.shards()) == shard);
        return Future.join(registered.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
    }

    /** Answers a command, across members when it came from another's HTTP verticle. */
    void reply(Message<CommandRequest> message, CommandReply reply) {
        if (replies == null) {
            message.reply(reply);
        } else {
            message.reply(reply, replies);
        }
    }

    private void enqueue(Message<CommandRequest> message) {
        String key = key(message.body().aggregateType(), message.body().aggregateId());
        Mailbox<Message<CommandRequest>> mailbox = mailboxes.computeIfAbsent(key,
                k -> new Mailbox<>(queued -> queued.body().idempotencyKey()));
        mailbox.add(message);
        if (!mailbox.busy()) {
            drain(key, mailbox);
        }
    }

    @SuppressWarnings("unchecked")
    private void drain(String key, Mailbox<Message<CommandRequest>> mailbox) {
        mailbox.busy(true);
        List<Message<CommandRequest>> batch = mailbox.take(config.groupCommit() ? config.maxBatch() : 1);
        if (batch.isEmpty()) {
            mailbox.busy(false);
            mailboxes.remove(key);
            return;
        }
        CommandRequest first = batch.get(0).body();
        AggregateModule<Object, Object, DomainEvent> module =
                (AggregateModule<Object, Object, DomainEvent>) modules.get(first.aggregateType());
        new BatchRun(this, module, first.aggregateId(), batch).run()
                .onFailure(e -> Logs.correlated(first.metadata().correlationId(),
                        () -> LOG.error("Unexpected failure processing commands for {}", key, e)))
                .onComplete(done -> {
                    if (mailbox.isEmpty()) {
                        mailbox.busy(false);
                        mailboxes.remove(key);
                    } else {
                        // A task of its own: a long queue is a loop of batches, never a chain. The mailbox
                        // stays busy until it runs, so that a command arriving meanwhile starts no second batch.
                        context.runOnContext(v -> drain(key, mailbox));
                    }
                });
    }

    // ---- what batches share ------------------------------------------------------------------------

    StoreClient store() {
        return store;
    }

    Vertx vertx() {
        return vertx;
    }

    /** The verticle's context: a batch's attempts run on it, each a task of its own. */
    Context context() {
        return context;
    }

    Duration lease() {
        return lease;
    }

    int maxRetries() {
        return config.maxRetries();
    }

    /** The aggregate from the cache, or loaded from the store. */
    Future<Loaded> load(String type, UUID id) {
        Aggregate<Object> cached = cache.get(key(type, id));
        if (cached != null) {
            metrics.cacheHit(type);
            return Future.succeededFuture(new Loaded(cached, true));
        }
        metrics.cacheMiss(type);
        return store.load(type, id).map(loaded -> new Loaded(loaded, false));
    }

    void forget(String type, UUID id) {
        cache.remove(key(type, id));
    }

    void conflicted(String type, UUID id) {
        metrics.conflict(type);
        forget(type, id);
    }

    void retried(String type) {
        metrics.retry(type);
    }

    /** After an append: the cache, the meters, the relay's fast path, the live feed, a snapshot at the interval. */
    void committed(Aggregate<Object> base, Aggregate<Object> after, List<EventEnvelope<?>> events) {
        cache.put(key(after.type(), after.id()), after);
        metrics.appended(after.type(), events.size());
        vertx.eventBus().send(addresses.relay(), OutboxHint.committed(events));
        if (liveFromLocalCommits) {
            events.forEach(event -> vertx.eventBus().publish(addresses.live(after.type()), event));
        }
        if (after.version() / snapshotEvery > base.version() / snapshotEvery) {
            store.snapshot(after);
        }
    }

    private static String key(String type, UUID id) {
        return type + ":" + id;
    }
}
