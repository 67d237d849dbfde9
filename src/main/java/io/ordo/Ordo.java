package io.ordo;

import io.ordo.cluster.ClusterCodecs;
import io.ordo.cluster.Membership;
import io.ordo.cluster.OwnershipVerticle;
import io.ordo.cluster.ShardOwnership;
import io.ordo.command.Addresses;
import io.ordo.command.CommandReply;
import io.ordo.command.CommandRequest;
import io.ordo.command.CommandVerticle;
import io.ordo.command.LocalCodec;
import io.ordo.config.OrdoConfig;
import io.ordo.embedded.CassandraOptions;
import io.ordo.embedded.ChildJvm;
import io.ordo.embedded.EmbeddedCassandra;
import io.ordo.embedded.EmbeddedKafka;
import io.ordo.embedded.KafkaOptions;
import io.ordo.es.Aggregate;
import io.ordo.es.EventEnvelope;
import io.ordo.http.HttpApi;
import io.ordo.http.HttpVerticle;
import io.ordo.http.LiveFeedVerticle;
import io.ordo.ops.Health;
import io.ordo.ops.OrdoMetrics;
import io.ordo.ops.Supervisor;
import io.ordo.outbox.OutboxHint;
import io.ordo.outbox.RelayVerticle;
import io.ordo.module.AggregateModule;
import io.ordo.module.Modules;
import io.ordo.modules.customer.CustomerModule;
import io.ordo.modules.order.OrderModule;
import io.ordo.projection.Projected;
import io.ordo.projection.ProjectionVerticle;
import io.ordo.store.AppendResult;
import io.ordo.store.EventStore;
import io.ordo.store.FaultInjector;
import io.ordo.store.IdempotencyKeys;
import io.ordo.store.Store;
import io.ordo.store.StoreRequest;
import io.ordo.store.StoreVerticle;
import io.ordo.store.UniqueValues;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Ordo inside a Vert.x instance, built from a list of aggregate modules: the store verticles, the
 * command processors, the relay, the projections and (if enabled) the HTTP verticles, plus, in
 * embedded mode, the child Cassandra and Kafka. An application that embeds Ordo builds it with
 * {@link #builder}, registers its modules (and Ordo's own, if it wants orders and customers), mounts
 * {@link #router()} in its own router if it serves HTTP itself, and calls {@link #undeploy()} to stop it.
 */
public final class Ordo {

    private static final Logger LOG = LoggerFactory.getLogger(Ordo.class);
    /** A child that dies on its own (its OOM, a kill) is started again: 1 s, doubling to 30 s while it keeps dying. */
    /** Of the shutdown budget, what the children get to drain, and what closing the session and health checks get. */
    private static final long CHILDREN_STOP_MS = 12_000;
    private static final long CLOSE_MS = 4_000;
    private static final ChildJvm.Backoff CHILD_RESTARTS =
            new ChildJvm.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));

    private final Vertx vertx;
    private final OrdoConfig config;
    private final Modules modules;
    private final Addresses addresses;
    private final Store store;
    private final FaultInjector faults;
    private final HttpApi.Contract contract;
    private final EmbeddedCassandra cassandra;
    private final EmbeddedKafka kafka;
    private final OrdoMetrics metrics;
    private final Health health;
    private final Supervisor supervisor;
    private final Membership membership;
    private final ShardOwnership ownership;
    /** The codecs of messages that cross members; null for a single instance. */
    private final ClusterCodecs codecs;

    private Ordo(Vertx vertx, OrdoConfig config, Modules modules, Store store, FaultInjector faults, HttpApi.Contract contract,
                 Children children, Membership membership, ClusterCodecs codecs) {
        this.vertx = vertx;
        this.membership = membership;
        this.codecs = codecs;
        // What takes shards: each command processor, and the relay.
        this.ownership = new ShardOwnership(membership.self(), config.store().shards(),
                config.aggregates().instances() + (config.relay().enabled() ? 1 : 0));
        this.config = config;
        this.modules = modules;
        this.addresses = new Addresses(config.eventBusPrefix());
        this.store = store;
        this.faults = faults;
        this.contract = contract;
        this.cassandra = children.cassandra();
        this.kafka = children.kafka();
        this.metrics = new OrdoMetrics().withAggregateTypes(modules.types().toArray(String[]::new));
        this.health = new Health(vertx, config, store, addresses, ownership);
        this.supervisor = new Supervisor(vertx, metrics);
        store.observe(metrics);
        metrics.cluster(() -> ownership.current().ring().members().size(), () -> ownership.current().owned().size(),
                ownership::handovers, ownership::lastHandoverMs);
        if (cassandra != null) {
            metrics.embeddedRestarts("cassandra", cassandra::restarts);
        }
        if (kafka != null) {
            metrics.embeddedRestarts("kafka", kafka::restarts);
        }
    }

    /** Ordo's own aggregate modules: orders and customers (orders need customers). */
    public static List<AggregateModule<?, ?, ?>> ordersAndCustomers() {
        return List.of(new OrderModule(), new CustomerModule());
    }

    /** Deploys Ordo with its own modules (orders and customers) as {@code config} (see {@link OrdoConfig}) describes. */
    public static Future<Ordo> deploy(Vertx vertx, JsonObject config) {
        return builder(vertx, OrdoConfig.fromJson(config)).modules(ordersAndCustomers()).deploy();
    }

    /** An Ordo to build: register its modules, then {@link Builder#deploy()}. */
    public static Builder builder(Vertx vertx, JsonObject config) {
        return builder(vertx, OrdoConfig.fromJson(config));
    }

    public static Builder builder(Vertx vertx, OrdoConfig config) {
        return new Builder(vertx, config);
    }

    /** What an Ordo is built from: a configuration and the aggregate modules it runs. */
    public static final class Builder {
        private final Vertx vertx;
        private final OrdoConfig config;
        private final List<AggregateModule<?, ?, ?>> modules = new ArrayList<>();
        private FaultInjector faults = FaultInjector.NONE;
        private Clock clock = Clock.systemUTC();
        private Membership membership;

        private Builder(Vertx vertx, OrdoConfig config) {
            this.vertx = vertx;
            this.config = config;
        }

        /** Registers an aggregate type: its decider, routes, projections, topic and rules. */
        public Builder module(AggregateModule<?, ?, ?> module) {
            modules.add(module);
            return this;
        }

        public Builder modules(List<? extends AggregateModule<?, ?, ?>> more) {
            modules.addAll(more);
            return this;
        }

        /** Faults to inject at the store's and the relay's seams: for tests. */
        public Builder faults(FaultInjector injected) {
            this.faults = injected;
            return this;
        }

        /** The clock that stamps events and outbox intents: for tests. */
        public Builder clock(Clock stamping) {
            this.clock = stamping;
            return this;
        }

        /**
         * Cluster mode: {@code vertx} is clustered by {@code manager}, and this Ordo shares the shards with
         * the other members' (needs {@code cluster.enabled}; {@code OrdoMain} builds the clustered Vert.x).
         */
        public Builder cluster(ClusterManager manager) {
            this.membership = Membership.of(manager);
            return this;
        }

        /** Starts what the configuration asks for, and deploys Ordo's verticles for the registered modules. */
        public Future<Ordo> deploy() {
            Modules registered;
            try {
                if (modules.isEmpty()) {
                    throw new IllegalArgumentException("Ordo needs at least one aggregate module");
                }
                if (config.cluster().enabled() != (membership != null)) {
                    throw new IllegalArgumentException(config.cluster().enabled()
                            ? "cluster.enabled needs a clustered Vert.x: pass its cluster manager with Ordo.builder(..).cluster(manager)"
                            : "a cluster manager was given but cluster.enabled is false");
                }
                registered = Modules.of(modules, config.store().topics());
            } catch (IllegalArgumentException e) {
                return Future.failedFuture(e);
            }
            return Ordo.deploy(vertx, config, registered, faults, clock, membership == null ? Membership.single() : membership);
        }
    }

    private static Future<Ordo> deploy(Vertx vertx, OrdoConfig config, Modules modules, FaultInjector faults, Clock clock,
                                       Membership membership) {
        registerCodecs(vertx.eventBus());
        ClusterCodecs codecs;
        try {
            codecs = membership.clustered() ? ClusterCodecs.register(vertx.eventBus(), config.eventBusPrefix(), modules) : null;
        } catch (IllegalStateException e) {
            return Future.failedFuture(new IllegalArgumentException("another Ordo in this Vert.x has the eventBus.prefix "
                    + config.eventBusPrefix()));
        }
        Future<Children> started = config.mode() == OrdoConfig.Mode.EMBEDDED
                ? vertx.executeBlocking(() -> startChildren(config)) // seconds of blocking start-up: a worker's job
                : Future.succeededFuture(new Children(null, null));
        return started.compose(children -> HttpApi.contract(vertx, modules)
                .compose(contract -> Store.open(vertx, config.store(), modules, faults, clock)
                        .map(store -> new Ordo(vertx, config, modules, store, faults, contract, children, membership, codecs)))
                .recover(failure -> stopChildren(vertx, children).transform(v -> Future.failedFuture(failure)))
                .compose(ordo -> ordo.deployVerticles().map(ordo)
                        .recover(failure -> ordo.undeploy().transform(v -> Future.failedFuture(failure)))));
    }

    private Future<Void> deployVerticles() {
        Future<Void> chain = supervisor.deploy("store", () -> new StoreVerticle(store, addresses), config.storeInstances())
                .compose(v -> supervisor.deploy("ownership", () -> new OwnershipVerticle(membership, ownership, addresses), 1));
        for (int index = 0; index < config.aggregates().instances(); index++) {
            int processor = index;
            chain = chain.compose(v -> supervisor.deploy("aggregates-" + processor,
                    () -> new CommandVerticle(processor, ownership, codecs == null ? null : codecs.replies(), modules,
                            addresses, config, metrics), 1));
        }
        if (config.relay().enabled()) {
            chain = chain.compose(v -> supervisor.deploy("relay",
                    () -> new RelayVerticle(config, store, modules, addresses, faults, metrics, ownership, membership), 1));
            // Also without Ordo's HTTP verticles: a host that mounts router() serves the WebSocket feeds.
            chain = chain.compose(v -> supervisor.deploy("live-feed",
                    () -> new LiveFeedVerticle(config, modules, addresses, metrics), 1));
        }
        if (config.projections().enabled()) {
            chain = chain.compose(v -> supervisor.deploy("projections",
                    () -> new ProjectionVerticle(config, store, modules, addresses, metrics, faults), 1));
        }
        if (config.http().enabled()) {
            chain = chain.compose(v -> supervisor.deploy("http", () -> new HttpVerticle(wiring()), config.http().instances()));
        }
        return chain;
    }

    private HttpApi.Wiring wiring() {
        return new HttpApi.Wiring(config, modules, addresses, contract, metrics, health, ownership,
                codecs == null ? null : codecs.requests(), membership.clustered());
    }

    /** Ordo's HTTP API as a router, for an application that mounts it under its own routes. */
    public Router router() {
        return HttpApi.router(vertx, wiring());
    }

    /** The event-bus addresses of this Ordo (under its {@code eventBus.prefix}). */
    public Addresses addresses() {
        return addresses;
    }

    /** Which shards this instance owns (all of them, unless in cluster mode). */
    public ShardOwnership ownership() {
        return ownership;
    }

    /** The registered modules. */
    public Modules modules() {
        return modules;
    }

    /** Ordo's meters, e.g. to add the host application's own. */
    public OrdoMetrics metrics() {
        return metrics;
    }

    public OrdoConfig config() {
        return config;
    }

    /**
     * In embedded mode, holds the children's own JVM shutdown hooks back until {@code stopped} completes
     * (at most {@code atMost}). For an owner whose shutdown hook undeploys Ordo: JVM hooks run
     * concurrently, so without this Kafka and Cassandra get SIGTERM while the HTTP verticles drain and
     * the relay flushes into them. {@link #undeploy()} stops them last; their hooks then find nothing
     * left to stop, and still stop them if the undeploy fails or hangs. Does not block.
     */
    public Ordo stopChildrenOnJvmExitAfter(CompletionStage<?> stopped, Duration atMost) {
        if (cassandra != null) {
            cassandra.stopOnJvmExitAfter(stopped, atMost);
        }
        if (kafka != null) {
            kafka.stopOnJvmExitAfter(stopped, atMost);
        }
        return this;
    }

    /**
     * Undeploys Ordo's verticles (newest first), closes the session and stops the embedded Cassandra
     * and Kafka, if any, within {@code shutdownTimeoutMs} in all, whatever is unreachable: each step
     * gets its share of the time and is left behind when it overruns it (what was committed and not
     * yet published stays in the outbox for the next start).
     */
    public Future<Void> undeploy() {
        long budget = config.shutdownTimeoutMs();
        long deadline = System.currentTimeMillis() + budget;
        boolean children = cassandra != null || kafka != null;
        // The children need seconds of their own to drain (Cassandra flushes its memtables).
        long forVerticles = children ? Math.max(budget / 2, budget - CHILDREN_STOP_MS) : budget - CLOSE_MS;
        return within(supervisor.undeployAll(), forVerticles, "undeploying Ordo's verticles")
                .compose(v -> within(health.close(), CLOSE_MS / 4, "closing the health checks"))
                .compose(v -> within(store.close(), CLOSE_MS * 3 / 4, "closing the store's session"))
                .compose(v -> stopChildren(vertx, new Children(cassandra, kafka),
                        Duration.ofMillis(Math.max(1_000, deadline - System.currentTimeMillis()))));
    }

    /** {@code step}, or given up after {@code ms} with a warning; never a failure (a stop goes on). */
    private Future<Void> within(Future<?> step, long ms, String what) {
        Promise<Void> done = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, ms), t -> {
            if (done.tryComplete()) {
                LOG.warn("Shutdown: {} took more than {} ms; going on without it", what, ms);
            }
        });
        step.onComplete(result -> {
            vertx.cancelTimer(timer);
            if (result.failed()) {
                LOG.warn("Shutdown: {} failed: {}", what, result.cause().toString());
            }
            done.tryComplete();
        });
        return done.future();
    }

    /** The child processes of embedded mode; null when not started. */
    private record Children(EmbeddedCassandra cassandra, EmbeddedKafka kafka) {
    }

    private static Children startChildren(OrdoConfig config) throws IOException {
        EmbeddedCassandra cassandra = startCassandra(config);
        if (!config.relay().enabled()) {
            return new Children(cassandra, null);
        }
        OrdoConfig.Embedded embedded = config.embedded();
        EmbeddedKafka kafka = new EmbeddedKafka(KafkaOptions.defaults(embedded.dataDir().resolve("kafka"))
                .withPorts(embedded.kafkaPort(), embedded.kafkaControllerPort())
                .withHeap(embedded.kafkaHeap()));
        try {
            kafka.start();
        } catch (IOException | RuntimeException e) {
            LOG.error("The embedded Kafka did not start: {}", e.getMessage());
            cassandra.stop();
            throw e;
        }
        kafka.restartWhenItDies(CHILD_RESTARTS);
        return new Children(cassandra, kafka);
    }

    private static Future<Void> stopChildren(Vertx vertx, Children children) {
        return stopChildren(vertx, children, Duration.ofSeconds(20));
    }

    /** Stops both children side by side, each given {@code grace} to drain before it is killed. */
    private static Future<Void> stopChildren(Vertx vertx, Children children, Duration grace) {
        Future<Void> kafka = children.kafka() == null ? Future.succeededFuture()
                : vertx.executeBlocking(() -> {
                    children.kafka().stop(grace);
                    return null;
                }, false);
        Future<Void> cassandra = children.cassandra() == null ? Future.succeededFuture()
                : vertx.executeBlocking(() -> {
                    children.cassandra().stop(grace);
                    return null;
                }, false);
        return Future.join(kafka, cassandra).mapEmpty();
    }

    private static EmbeddedCassandra startCassandra(OrdoConfig config) throws IOException {
        OrdoConfig.Embedded embedded = config.embedded();
        EmbeddedCassandra cassandra = new EmbeddedCassandra(CassandraOptions.defaults(embedded.dataDir().resolve("cassandra"))
                .withPorts(embedded.cassandraCqlPort(), embedded.cassandraStoragePort())
                .withHeap(embedded.cassandraHeap())
                .withCommitLog(embedded.commitLog()));
        try {
            cassandra.start();
        } catch (IOException | UncheckedIOException e) {
            LOG.error("The embedded Cassandra did not start: {}", e.getMessage());
            throw e;
        }
        cassandra.restartWhenItDies(CHILD_RESTARTS);
        return cassandra;
    }

    /** Every message type that crosses Ordo's event bus, passed as objects within the JVM. */
    static void registerCodecs(EventBus bus) {
        LocalCodec.register(bus, CommandRequest.class, CommandReply.Accepted.class, CommandReply.Rejected.class,
                CommandReply.VersionMismatch.class, CommandReply.Contended.class, CommandReply.Replayed.class,
                CommandReply.KeyReused.class, CommandReply.InProgress.class, CommandReply.Unavailable.class,
                StoreRequest.Append.class, StoreRequest.Load.class, StoreRequest.LoadSettled.class, StoreRequest.Head.class,
                StoreRequest.Snapshot.class, StoreRequest.Events.class, StoreRequest.ClaimKey.class,
                StoreRequest.CompleteKey.class, StoreRequest.MarkKeyUnknown.class, StoreRequest.TakeOverKey.class,
                StoreRequest.ReleaseKey.class, StoreRequest.FindCommit.class, StoreRequest.ReserveValue.class,
                StoreRequest.TakeOverValue.class, StoreRequest.ReleaseValue.class, StoreRequest.ReleaseUnlessClaimedSince.class,
                StoreRequest.Query.class,
                StoreRequest.EventPage.class, IdempotencyKeys.KeyClaim.class, UniqueValues.Holder.class, Projected.class,
                AppendResult.Appended.class, AppendResult.Conflict.class, Aggregate.class, EventEnvelope.class,
                EventStore.StreamHead.class, OutboxHint.class);
    }
}
