package io.ordo.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ordo.store.StoreObserver;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Ordo's meters, named {@code ordo_...}, in a Prometheus registry of its own (with the JVM's), plus
 * Vert.x's own meters when the Vert.x instance was created with {@link #vertxOptions()}. One per Ordo;
 * the components record into it, {@code /metrics} scrapes it.
 */
public final class OrdoMetrics implements StoreObserver {

    /** The registry name of Vert.x's meters, as {@link #vertxOptions()} sets it. */
    public static final String VERTX_REGISTRY = "ordo-vertx";

    private static final String CONFLICTS = "appends refused by the optimistic-concurrency guard";
    private static final String RETRIES = "batches decided again after a conflict";
    private static final String APPENDED = "events committed to the event store";
    private static final String CACHE_HITS = "commands that found their aggregate in memory";
    private static final String CACHE_MISSES = "commands that loaded their aggregate from the store";
    private static final String SNAPSHOT_HITS = "loads that started from a snapshot";
    private static final String PUBLISHED = "events published to Kafka";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<IntSupplier> breakerState = new AtomicReference<>(() -> 0);
    private final AtomicInteger webSocketClients = new AtomicInteger();
    private final AtomicLong projectionLagMs = new AtomicLong();
    private final AtomicReference<LongSupplier> projectingSinceMs = new AtomicReference<>(() -> 0);
    private final AtomicReference<IntSupplier> projectionDeadLetters = new AtomicReference<>(() -> 0);
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicReference<LongSupplier> outboxBacklogAgeMs = new AtomicReference<>(() -> 0);
    private final AtomicReference<IntSupplier> relayAggregatesWaiting = new AtomicReference<>(() -> 0);
    private final AtomicReference<LongSupplier> cdcFailures = new AtomicReference<>(() -> 0);
    private final Counter commandsForwarded;
    private final Counter hintsForwarded;

    public OrdoMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("ordo.relay.breaker.state", breakerState, state -> state.get().getAsInt())
                .description("the Kafka circuit breaker: 0 closed, 1 half-open, 2 open").register(registry);
        Gauge.builder("ordo.outbox.backlog.age", outboxBacklogAgeMs, age -> age.get().getAsLong() / 1000.0)
                .baseUnit("seconds").description("age of the oldest event taken and not yet published: now minus its event time")
                .register(registry);
        Gauge.builder("ordo.relay.aggregates.waiting", relayAggregatesWaiting, waiting -> waiting.get().getAsInt())
                .description("aggregates with events asked to be published and not yet settled").register(registry);
        Gauge.builder("ordo.relay.dead.letters", deadLetters, AtomicLong::get)
                .description("dead letters parked in the store now, awaiting retry or discard").register(registry);
        Gauge.builder("ordo.projection.lag", this, OrdoMetrics::projectionLagSeconds).baseUnit("seconds")
                .description("event time to rows written for the latest write, or the age of the records being "
                        + "projected when that is more (a stalled projection's lag grows)").register(registry);
        Gauge.builder("ordo.projection.dead.letters", projectionDeadLetters, count -> count.get().getAsInt())
                .description("aggregates whose events wait behind a projection dead letter").register(registry);
        Gauge.builder("ordo.websocket.clients", webSocketClients, AtomicInteger::get)
                .description("open WebSocket feeds").register(registry);
        Gauge.builder("ordo.relay.cdc.failures", cdcFailures, failures -> failures.get().getAsLong())
                .description("failures of the CDC reader on this member since it started (ScyllaDB)").register(registry);
        commandsForwarded = Counter.builder("ordo.cluster.commands.forwarded")
                .description("commands sent to their shard's owner on another member").register(registry);
        hintsForwarded = Counter.builder("ordo.cluster.hints.forwarded")
                .description("relay hints sent to their shard's owner on another member").register(registry);
    }

    /** Registers the per-aggregate-type counters at 0, so every meter is in the scrape from the start. */
    public OrdoMetrics withAggregateTypes(String... aggregateTypes) {
        for (String type : aggregateTypes) {
            counter("ordo.concurrency.conflicts", CONFLICTS, type);
            counter("ordo.command.retries", RETRIES, type);
            counter("ordo.events.appended", APPENDED, type);
            counter("ordo.aggregate.cache.hits", CACHE_HITS, type);
            counter("ordo.aggregate.cache.misses", CACHE_MISSES, type);
            counter("ordo.snapshot.hits", SNAPSHOT_HITS, type);
            counter("ordo.relay.published", PUBLISHED, type);
        }
        return this;
    }

    /** Options for a Vert.x instance whose own meters (HTTP, event bus, pools) {@code /metrics} shows too. */
    public static VertxOptions vertxOptions() {
        return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
                .setRegistryName(VERTX_REGISTRY)
                .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Prometheus text: Ordo's and the JVM's meters, then Vert.x's when they are on. */
    public String scrape() {
        MeterRegistry vertx = BackendRegistries.getNow(VERTX_REGISTRY);
        return vertx instanceof PrometheusMeterRegistry prometheus ? registry.scrape() + prometheus.scrape() : registry.scrape();
    }

    // ---- commands ------------------------------------------------------------------------------

    /** A command's answer: {@code outcome} is accepted, rejected, conflict, precondition, replayed, ... */
    public void command(String command, String outcome, long nanos) {
        Timer.builder("ordo.commands").description("commands by type and outcome, from request to answer")
                .tag("command", command).tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void conflict(String aggregateType) {
        counter("ordo.concurrency.conflicts", CONFLICTS, aggregateType).increment();
    }

    public void retry(String aggregateType) {
        counter("ordo.command.retries", RETRIES, aggregateType).increment();
    }

    public void appended(String aggregateType, int events) {
        counter("ordo.events.appended", APPENDED, aggregateType).increment(events);
    }

    public void cacheHit(String aggregateType) {
        counter("ordo.aggregate.cache.hits", CACHE_HITS, aggregateType).increment();
    }

    public void cacheMiss(String aggregateType) {
        counter("ordo.aggregate.cache.misses", CACHE_MISSES, aggregateType).increment();
    }

    @Override
    public void loaded(String aggregateType, long nanos, long eventsReplayed, boolean fromSnapshot) {
        Timer.builder("ordo.aggregate.load").description("loading an aggregate: snapshot and events")
                .tag("aggregate_type", aggregateType).publishPercentiles(0.5, 0.99)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        DistributionSummary.builder("ordo.aggregate.events.replayed").description("events replayed per load")
                .tag("aggregate_type", aggregateType).register(registry).record(eventsReplayed);
        if (fromSnapshot) {
            counter("ordo.snapshot.hits", SNAPSHOT_HITS, aggregateType).increment();
        }
    }

    // ---- relay and read side ---------------------------------------------------------------------

    /** An event on Kafka, {@code lagMs} after its commit. */
    public void published(String aggregateType, long lagMs) {
        counter("ordo.relay.published", PUBLISHED, aggregateType).increment();
        Timer.builder("ordo.relay.publish.latency").description("event time to Kafka acknowledgement")
                .tag("aggregate_type", aggregateType).publishPercentiles(0.5, 0.99)
                .register(registry).record(Math.max(0, lagMs), TimeUnit.MILLISECONDS);
    }

    /** The dead letters parked in the store, as last counted (a gauge of the table, not of this process's parkings). */
    public void deadLetters(long parked) {
        deadLetters.set(parked);
    }

    /** The breaker's state as the gauge reads it: 0 closed, 1 half-open, 2 open. */
    public void breakerState(IntSupplier state) {
        breakerState.set(state);
    }

    /** The relay's lanes: aggregates with events waiting (read on the scraping thread: a racy size is fine). */
    public void relayAggregatesWaiting(IntSupplier waiting) {
        relayAggregatesWaiting.set(waiting);
    }

    /** How many times the embedded {@code child} (cassandra, kafka) was started again after dying on its own. */
    public void embeddedRestarts(String child, IntSupplier restarts) {
        // Strongly held: a gauge keeps only a weak reference to its object, and nothing else holds these lambdas.
        Gauge.builder("ordo.embedded.restarts", restarts, IntSupplier::getAsInt).strongReference(true).tag("child", child)
                .description("times the embedded child was started again after dying on its own").register(registry);
    }

    public void outboxBacklogAge(LongSupplier ageMs) {
        outboxBacklogAgeMs.set(ageMs);
    }

    /** A projection wrote {@code events} events of an aggregate, the oldest {@code lagMs} after its time. */
    public void projected(String projection, int events, long lagMs) {
        counter("ordo.projection.applied", "events applied to the read models", "projection", projection).increment(events);
        Timer.builder("ordo.projection.write.lag").description("event time to read-model rows written")
                .tag("projection", projection).publishPercentiles(0.5, 0.99)
                .register(registry).record(Math.max(0, lagMs), TimeUnit.MILLISECONDS);
        projectionLagMs.set(Math.max(0, lagMs));
    }

    /**
     * The projections' view: since when (epoch millis, 0 for none) the records in hand have waited, and
     * how many aggregates wait behind a dead letter.
     */
    public void projections(LongSupplier inHandSinceMs, IntSupplier deadLetters) {
        projectingSinceMs.set(inHandSinceMs);
        projectionDeadLetters.set(deadLetters);
    }

    private double projectionLagSeconds() {
        long since = projectingSinceMs.get().getAsLong();
        long inHand = since == 0 ? 0 : System.currentTimeMillis() - since;
        return Math.max(projectionLagMs.get(), inHand) / 1000.0;
    }

    // ---- cluster -------------------------------------------------------------------------------------

    /** The members this one sees, the shards it owns, its handovers and how long the last took (ms, -1 before one). */
    public void cluster(IntSupplier members, IntSupplier ownedShards, LongSupplier handovers, LongSupplier lastHandoverMs) {
        // Strongly held, as the embedded restarts' (a gauge's object is weakly referenced; these lambdas by nothing else).
        Gauge.builder("ordo.cluster.members", members, IntSupplier::getAsInt).strongReference(true)
                .description("cluster members this instance sees, itself included").register(registry);
        Gauge.builder("ordo.cluster.shards.owned", ownedShards, IntSupplier::getAsInt).strongReference(true)
                .description("shards this instance owns").register(registry);
        Gauge.builder("ordo.cluster.handovers", handovers, LongSupplier::getAsLong).strongReference(true)
                .description("ownership changes taken since start (after the first)").register(registry);
        Gauge.builder("ordo.cluster.handover.last.seconds", lastHandoverMs, ms -> ms.getAsLong() / 1000.0).strongReference(true)
                .description("from the last membership change to this instance serving exactly its shards").register(registry);
    }

    /** Failures of the CDC reader on this member (its master's retries, failed reads, threads that ended). */
    public void cdcFailures(LongSupplier failures) {
        cdcFailures.set(failures);
    }

    /** A command sent to the owner of its shard on another member. */
    public void commandForwarded() {
        commandsForwarded.increment();
    }

    /** A relay hint sent to the owner of its shard on another member. */
    public void hintForwarded() {
        hintsForwarded.increment();
    }

    public void restarted(String verticle) {
        counter("ordo.verticle.restarts", "verticles restarted (stopped and started again) after a failure", "verticle", verticle).increment();
    }

    /** Open WebSocket feeds now, on any thread. */
    public int webSocketClients() {
        return webSocketClients.get();
    }

    public void webSocketOpened() {
        webSocketClients.incrementAndGet();
    }

    public void webSocketClosed() {
        webSocketClients.decrementAndGet();
    }

    private Counter counter(String name, String description, String aggregateType) {
        return counter(name, description, "aggregate_type", aggregateType);
    }

    private Counter counter(String name, String description, String tagKey, String tagValue) {
        return Counter.builder(name).description(description).tag(tagKey, tagValue).register(registry);
    }
}
