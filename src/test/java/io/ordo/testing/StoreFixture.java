package io.ordo.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import io.ordo.Ordo;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventSerializer;
import io.ordo.module.Modules;
import io.ordo.store.AggregateRepository;
import io.ordo.store.CqlSessions;
import io.ordo.store.EventStore;
import io.ordo.store.FaultInjector;
import io.ordo.store.Store;
import io.ordo.store.StoreConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real store for a test class: its own keyspace on the shared test Cassandra, the core's and the built-in
 * modules' schema applied, statements prepared ({@link #store}), and a session of its own for a test's raw CQL.
 */
public final class StoreFixture implements AutoCloseable {

    /** Ordo's own modules (orders and customers), as a server registers them. */
    public static final Modules BUILT_IN = Modules.of(Ordo.ordersAndCustomers(), Map.of());

    public final Vertx vertx;
    public final CqlSession session;
    public final StoreConfig config;
    public final Store store;
    public final EventSerializer serializer = BUILT_IN.serializer();
    private final List<Store> faulty = new ArrayList<>();

    private StoreFixture(Vertx vertx, CqlSession session, StoreConfig config, Store store) {
        this.vertx = vertx;
        this.session = session;
        this.config = config;
        this.store = store;
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
        StoreConfig config = config(keyspace, snapshotEvery);
        Vertx vertx = Vertx.vertx();
        CqlSession session = await(CqlSessions.open(vertx, config));
        if (fresh) {
            session.execute("DROP KEYSPACE IF EXISTS " + keyspace);
        }
        Store store = await(Store.open(vertx, config, BUILT_IN, FaultInjector.NONE));
        return new StoreFixture(vertx, session, config, store);
    }

    /** The store configuration of {@code keyspace} on the test Cassandra. */
    public static StoreConfig config(String keyspace, int snapshotEvery) {
        return StoreConfig.fromJson(new JsonObject()
                .put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                .put("keyspace", keyspace)
                .put("snapshotEvery", snapshotEvery)
                .put("requestTimeoutMs", 20_000));
    }

    public EventStore eventStore() {
        return store.events();
    }

    /** An event store on this keyspace whose reads and writes {@code faults} disturbs (a store of its own, closed with this). */
    public EventStore eventStore(FaultInjector faults) {
        Store disturbed = await(Store.open(vertx, config, BUILT_IN, faults));
        faulty.add(disturbed);
        return disturbed.events();
    }

    @SuppressWarnings("unchecked")
    public <S, C, E extends DomainEvent> AggregateRepository<S, C, E> repository(Decider<S, C, E> decider) {
        return (AggregateRepository<S, C, E>) store.repository(decider.aggregateType());
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
        faulty.forEach(disturbed -> await(disturbed.close()));
        await(store.close());
        session.close();
        await(vertx.close());
    }
}
