package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.module.AggregateModule;
import io.ordo.module.Modules;
import io.ordo.projection.ReadQuery;
import io.ordo.projection.ReadSide;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The database as Ordo uses it: one driver session (the schema of the core and of every module
 * applied; every statement prepared) and the stores built on it, for the registered modules.
 * Thread-safe and shared by all store verticles; every future it returns completes on the caller's
 * context.
 */
public final class Store {

    private final CqlSession session;
    private final EventStore events;
    private final Map<String, AggregateRepository<?, ?, ?>> repositories = new HashMap<>();
    private final IdempotencyKeys idempotencyKeys;
    private final UniqueValues uniqueValues;
    private final OutboxStore outbox;
    private final ProjectionStore projections;
    private final ReadModelSession readModels;
    private final Map<String, ReadSide<?>> readSides;
    private final SchemaApplier schema;

    private Store(Vertx vertx, CqlSession session, SchemaApplier schema, Prepared prepared, StoreConfig config,
                  Modules modules, FaultInjector faults, Clock clock) {
        this.session = session;
        this.schema = schema;
        this.readModels = prepared.readModels();
        this.events = new EventStore(vertx, session, prepared.events(), prepared.outbox(), config, modules.serializer(),
                modules::topicOf, faults, clock);
        for (AggregateModule<?, ?, ?> module : modules.all()) {
            repositories.put(module.decider().aggregateType(), repository(vertx, prepared.snapshots(), module.decider()));
        }
        this.idempotencyKeys = prepared.idempotencyKeys();
        this.uniqueValues = prepared.uniqueValues();
        this.outbox = new OutboxStore(vertx, session, prepared.outbox());
        this.projections = prepared.projections();
        this.readSides = prepared.readSides();
    }

    /** What is prepared once the schema is applied. */
    private record Prepared(ReadModelSession readModels, EventStatements events, SnapshotStatements snapshots,
                            OutboxStatements outbox, IdempotencyKeys idempotencyKeys, UniqueValues uniqueValues,
                            ProjectionStore projections, Map<String, ReadSide<?>> readSides) {
    }

    /** Connects, applies the schema (the core's, then each module's) and prepares the statements. */
    public static Future<Store> open(Vertx vertx, StoreConfig config, Modules modules, FaultInjector faults) {
        return open(vertx, config, modules, faults, Clock.systemUTC());
    }

    /** As {@link #open(Vertx, StoreConfig, Modules, FaultInjector)}, stamping events and outbox intents with {@code clock}. */
    public static Future<Store> open(Vertx vertx, StoreConfig config, Modules modules, FaultInjector faults, Clock clock) {
        // The driver's first time-based UUID looks up the host's addresses: blocking, so done here once.
        return vertx.executeBlocking(Uuids::timeBased)
                .compose(warm -> CqlSessions.open(vertx, config))
                .compose(session -> {
                    SchemaApplier schema = new SchemaApplier(vertx, session, config, modules);
                    ReadModelSession readModels = new ReadModelSession(vertx, session, config.keyspace(),
                            modules.serializer().mapper());
                    return schema.apply()
                            .compose(v -> prepare(readModels, modules, faults))
                            .map(prepared -> new Store(vertx, session, schema, prepared, config, modules, faults, clock))
                            .recover(failure -> Future.fromCompletionStage(session.closeAsync())
                                    .transform(closed -> Future.failedFuture(failure)));
                });
    }

    private static Future<Prepared> prepare(ReadModelSession session, Modules modules, FaultInjector faults) {
        Future<EventStatements> events = EventStatements.prepare(session);
        Future<SnapshotStatements> snapshots = SnapshotStatements.prepare(session);
        Future<OutboxStatements> outbox = OutboxStatements.prepare(session);
        Future<IdempotencyKeys> commands = IdempotencyKeys.prepare(session);
        Future<UniqueValues> unique = UniqueValues.prepare(session, faults);
        Future<ProjectionStore> projections = ProjectionStore.prepare(session);
        List<Future<? extends ReadSide<?>>> sides = new ArrayList<>();
        for (AggregateModule<?, ?, ?> module : modules.all()) {
            sides.add(module.readSide(session));
        }
        return Future.all(List.of(events, snapshots, outbox, commands, unique, projections)).compose(v -> Future.all(sides))
                .map(v -> {
                    Map<String, ReadSide<?>> readSides = new LinkedHashMap<>();
                    int i = 0;
                    for (AggregateModule<?, ?, ?> module : modules.all()) {
                        readSides.put(module.decider().aggregateType(), sides.get(i++).result());
                    }
                    return new Prepared(session, events.result(), snapshots.result(), outbox.result(), commands.result(),
                            unique.result(), projections.result(), readSides);
                });
    }

    private <S, C, E extends DomainEvent> AggregateRepository<S, C, E> repository(Vertx vertx, SnapshotStatements statements,
                                                                                 Decider<S, C, E> decider) {
        return new AggregateRepository<>(vertx, session, statements, events, decider);
    }

    /** The core schema version this build applies (the latest of {@code schema/}). */
    public int schemaVersion() {
        return SchemaApplier.MIGRATIONS.size();
    }

    /** The core schema versions the keyspace records as applied; a failure means CQL does not answer. */
    public Future<Set<Integer>> appliedSchemaVersions() {
        return schema.appliedVersions().map(Map::keySet);
    }

    /** Reports the store's work to {@code observer} (metrics). */
    public void observe(StoreObserver observer) {
        repositories.values().forEach(repository -> repository.observe(observer));
    }

    public EventStore events() {
        return events;
    }

    /** The repository of {@code aggregateType}; an unknown type is bad input. */
    public AggregateRepository<?, ?, ?> repository(String aggregateType) {
        AggregateRepository<?, ?, ?> repository = repositories.get(aggregateType);
        if (repository == null) {
            throw new IllegalArgumentException("unknown aggregate type " + aggregateType);
        }
        return repository;
    }

    public IdempotencyKeys idempotencyKeys() {
        return idempotencyKeys;
    }

    public UniqueValues uniqueValues() {
        return uniqueValues;
    }

    public OutboxStore outbox() {
        return outbox;
    }

    public ProjectionStore projections() {
        return projections;
    }

    /** The session as modules' read sides use it. */
    public ReadModelSession readModels() {
        return readModels;
    }

    /** Each module's read side (its projections and queries), by aggregate type. */
    public Map<String, ReadSide<?>> readSides() {
        return readSides;
    }

    /** The read query {@code name} of {@code aggregateType}'s module; an unknown one is bad input. */
    public ReadQuery query(String aggregateType, String name) {
        ReadSide<?> side = readSides.get(aggregateType);
        ReadQuery query = side == null ? null : side.queries().get(name);
        if (query == null) {
            throw new IllegalArgumentException("no read query '" + name + "' of aggregate type " + aggregateType);
        }
        return query;
    }

    public Future<Void> close() {
        return Future.fromCompletionStage(session.closeAsync()).mapEmpty();
    }
}
