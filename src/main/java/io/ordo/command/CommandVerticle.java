package io.ordo.command;

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
 * The generic command processor of one shard: consumes the shard's command address of every module's
 * type, keeps a mailbox per aggregate (one batch of its commands at a time, batches of everything
 * queued with group commit), and caches loaded aggregates (LRU) with their version, so a command
 * normally costs no read. Each batch is a {@link BatchRun}; what is common to them (the cache, the
 * store client, the meters, what follows a commit) is here. Names no module: each is asked through
 * the contract (its decider, its rules).
 */
public final class CommandVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(CommandVerticle.class);

    private final int shard;
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
    private final List<MessageConsumer<CommandRequest>> consumers = new ArrayList<>();
    private StoreClient store;

    /** An aggregate as a batch starts from it, and whether it came from the cache (so may be behind the store). */
    record Loaded(Aggregate<Object> aggregate, boolean fromCache) {
    }

    public CommandVerticle(int shard, Modules modules, Addresses addresses, OrdoConfig ordo, OrdoMetrics metrics) {
        this.shard = shard;
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

    /** The shard that owns {@code aggregateId} among {@code shards}. */
    public static int shardOf(UUID aggregateId, int shards) {
        return Math.floorMod(aggregateId.hashCode(), shards);
    }

    @Override
    public Future<?> start() {
        store = new StoreClient(vertx, addresses.store(), appendTimeoutMs);
        List<Future<Void>> registered = new ArrayList<>();
        for (String type : modules.types()) {
            MessageConsumer<CommandRequest> consumer = vertx.eventBus().localConsumer(addresses.commands(type, shard), this::enqueue);
            consumers.add(consumer);
            registered.add(consumer.completion());
        }
        return Future.all(registered);
    }

    @Override
    public Future<?> stop() {
        return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
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
