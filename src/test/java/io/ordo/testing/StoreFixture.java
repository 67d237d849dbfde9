package io.ordo.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import io.ordo.domain.DomainEvents;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventSerializer;
import io.ordo.store.AggregateRepository;
import io.ordo.store.CqlSessions;
import io.ordo.store.EmailReservations;
import io.ordo.store.EventStore;
import io.ordo.store.FaultInjector;
import io.ordo.store.SchemaApplier;
import io.ordo.store.Statements;
import io.ordo.store.StoreConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real store for a test class: its own keyspace on the shared test Cassandra, schema applied,
 * statements prepared.
 */
public final class StoreFixture implements AutoCloseable {

    public final Vertx vertx;
    public final CqlSession session;
    public final StoreConfig config;
    public final Statements statements;
    public final EventSerializer serializer = new EventSerializer(DomainEvents.registry());

    private StoreFixture(Vertx vertx, CqlSession session, StoreConfig config, Statements statements) {
        this.vertx = vertx;
        this.session = session;
        this.config = config;
        this.statements = statements;
    }

    /** A fresh keyspace named after {@code owner}. */
    public static StoreFixture create(Class<?> owner, int snapshotEvery) {
        return open("it_" + owner.getSimpleName().toLowerCase(), snapshotEvery, true);
    }

    /** The keyspace another fixture (e.g. a running Ordo) uses, as it is. */
    public static StoreFixture attach(String keyspace) {
        return open(keyspace, 100, false);
    }

    private static StoreFixture open(String keyspace, int snapshotEvery, boolean fresh) {
        StoreConfig config = StoreConfig.fromJson(new JsonObject()
                .put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                .put("keyspace", keyspace)
                .put("snapshotEvery", snapshotEvery)
                .put("requestTimeoutMs", 20_000));
        Vertx vertx = Vertx.vertx();
        CqlSession session = await(CqlSessions.open(vertx, config));
        if (fresh) {
            session.execute("DROP KEYSPACE IF EXISTS " + keyspace);
        }
        await(new SchemaApplier(vertx, session, config).apply());
        Statements statements = await(Statements.prepare(vertx, session, keyspace));
        return new StoreFixture(vertx, session, config, statements);
    }

    public EventStore eventStore() {
        return eventStore(FaultInjector.NONE);
    }

    public EventStore eventStore(FaultInjector faults) {
        return new EventStore(vertx, session, statements, config, serializer, faults);
    }

    public <S, C, E extends DomainEvent> AggregateRepository<S, C, E> repository(Decider<S, C, E> decider) {
        return new AggregateRepository<>(vertx, session, statements, eventStore(), decider);
    }

    public EmailReservations emailReservations() {
        return new EmailReservations(vertx, session, statements);
    }

    /** Waits for a future from a test thread (never an event loop). */
    public static <T> T await(Future<T> future) {
        return await(future, Duration.ofSeconds(60));
    }

    public static <T> T await(Future<T> future, Duration timeout) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        session.close();
        await(vertx.close());
    }
}
