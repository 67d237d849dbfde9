package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.ordo.domain.DomainEvents;
import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.order.OrderDecider;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventSerializer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.util.Map;
import java.util.Set;

/**
 * The database as Ordo uses it: one driver session (the schema applied, every statement prepared)
 * and the stores built on it. Thread-safe and shared by all store verticles; every future it returns
 * completes on the caller's context.
 */
public final class Store {

    private final CqlSession session;
    private final EventStore events;
    private final Map<String, AggregateRepository<?, ?, ?>> repositories;
    private final ProcessedCommands processedCommands;
    private final EmailReservations emails;
    private final OutboxStore outbox;
    private final ReadModelStore readModels;
    private final SchemaApplier schema;

    private Store(Vertx vertx, CqlSession session, SchemaApplier schema, Statements statements, StoreConfig config,
                  FaultInjector faults, Clock clock) {
        this.session = session;
        this.schema = schema;
        this.events = new EventStore(vertx, session, statements, config, new EventSerializer(DomainEvents.registry()), faults,
                clock);
        this.repositories = Map.of(
                OrderDecider.AGGREGATE_TYPE, repository(vertx, statements, new OrderDecider()),
                CustomerDecider.AGGREGATE_TYPE, repository(vertx, statements, new CustomerDecider()));
        this.processedCommands = new ProcessedCommands(vertx, session, statements);
        this.emails = new EmailReservations(vertx, session, statements);
        this.outbox = new OutboxStore(vertx, session, statements);
        this.readModels = new ReadModelStore(vertx, session, statements, events.serializer().mapper());
    }

    /** Connects, applies the schema and prepares the statements. */
    public static Future<Store> open(Vertx vertx, StoreConfig config, FaultInjector faults) {
        return open(vertx, config, faults, Clock.systemUTC());
    }

    /** As {@link #open(Vertx, StoreConfig, FaultInjector)}, stamping events and outbox intents with {@code clock}. */
    public static Future<Store> open(Vertx vertx, StoreConfig config, FaultInjector faults, Clock clock) {
        // The driver's first time-based UUID looks up the host's addresses: blocking, so done here once.
        return vertx.executeBlocking(Uuids::timeBased)
                .compose(warm -> CqlSessions.open(vertx, config))
                .compose(session -> {
                    SchemaApplier schema = new SchemaApplier(vertx, session, config);
                    return schema.apply()
                            .compose(v -> Statements.prepare(vertx, session, config.keyspace()))
                            .map(statements -> new Store(vertx, session, schema, statements, config, faults, clock))
                .recover(failure -> Future.fromCompletionStage(session.closeAsync())
                            .transform(closed -> Future.failedFuture(failure)));
                });
    }

    private <S, C, E extends DomainEvent> AggregateRepository<S, C, E> repository(Vertx vertx, Statements statements,
                                                                                 Decider<S, C, E> decider) {
        return new AggregateRepository<>(vertx, session, statements, events, decider);
    }

    /** The schema version this build applies (the latest of {@code schema/}). */
    public int schemaVersion() {
        return SchemaApplier.MIGRATIONS.size();
    }

    /** The schema versions the keyspace records as applied; a failure means CQL does not answer. */
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

    public ProcessedCommands processedCommands() {
        return processedCommands;
    }

    public EmailReservations emails() {
        return emails;
    }

    public OutboxStore outbox() {
        return outbox;
    }

    public ReadModelStore readModels() {
        return readModels;
    }

    public Future<Void> close() {
        return Future.fromCompletionStage(session.closeAsync()).mapEmpty();
    }
}
