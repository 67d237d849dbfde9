package io.ordo.outbox;

import com.scylladb.cdc.cql.CQLConfiguration;
import com.scylladb.cdc.cql.SslConfig;
import com.scylladb.cdc.cql.driver3.Driver3MasterCQL;
import com.scylladb.cdc.cql.driver3.Driver3Session;
import com.scylladb.cdc.cql.driver3.Driver3WorkerCQL;
import com.scylladb.cdc.model.TableName;
import com.scylladb.cdc.model.master.Master;
import com.scylladb.cdc.model.master.MasterConfiguration;
import com.scylladb.cdc.model.worker.RawChange;
import com.scylladb.cdc.model.worker.WorkerConfiguration;
import io.ordo.config.OrdoConfig;
import io.ordo.store.OutboxStore;
import io.ordo.store.StoreConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Function;

/**
 * The outbox source on ScyllaDB: reads {@code outbox_messages}'s CDC log with scylla-cdc-java, whose
 * position is kept durable by {@link CdcTransport}. The library advances past a change only once its
 * future completes, and that happens once the relay has settled the hint: a change is never skipped.
 * The confidence window is no shorter than the write timeout, so a slow write is never behind the reader.
 *
 * <p>A CDC worker that dies fails the relay's context, and the {@code Supervisor} restarts the relay,
 * which reads its positions again from {@code cdc_checkpoints}. Those move only past settled changes,
 * so the restart skips nothing and at most delivers some again, as any restart does. Restarting the
 * worker in place would need a second backoff loop racing the master's own reconfigurations; the
 * relay's restart already has backoff, a meter ({@code ordo_verticle_restarts_total}) and a log line.
 */
final class ScyllaCdcSource {

    private static final Logger LOG = LoggerFactory.getLogger(ScyllaCdcSource.class);

    private final Vertx vertx;
    private final StoreConfig store;
    private final OrdoConfig.Relay config;
    private final OutboxStore positions;
    private final Function<OutboxHint, Future<Void>> relay;
    private Driver3Session session;
    private CdcTransport transport;
    private Thread master;
    private volatile boolean stopping;

    ScyllaCdcSource(Vertx vertx, StoreConfig store, OrdoConfig.Relay config, OutboxStore positions,
                    Function<OutboxHint, Future<Void>> relay) {
        this.vertx = vertx;
        this.store = store;
        this.config = config;
        this.positions = positions;
        this.relay = relay;
    }

    /**
     * What a change of the outbox's CDC log says, if anything: only an inserted intent is a hint. Its
     * time is the change's ({@code cdc$time}: when the intent was written, just before the commit).
     */
    static Optional<OutboxHint> hintOf(RawChange change) {
        if (change.getOperationType() != RawChange.OperationType.ROW_INSERT) {
            return Optional.empty(); // deletes of refused intents, and nothing else, are written to the outbox
        }
        return Optional.of(OutboxHint.of(change.getCell("aggregate_id").getUUID(),
                change.getCell("sequence_number").getLong(), change.getId().getChangeTime().getDate().getTime()));
    }

    /** Connects (blocking: run on a worker) and starts the library's master thread. */
    Future<Void> start() {
        Context context = vertx.getOrCreateContext();
        return vertx.executeBlocking(() -> {
            CQLConfiguration.Builder cql = CQLConfiguration.builder();
            for (InetSocketAddress point : store.contactPoints()) {
                cql.addContactPoint(point.getHostString(), point.getPort());
            }
            cql.withLocalDCName(store.localDatacenter());
            if (store.username() != null) {
                cql.withCredentials(store.username(), store.password());
            }
            if (store.tls()) {
                // As the main session: the JVM's trust store (-Djavax.net.ssl.trustStore names a private CA's).
                SslConfig.Builder ssl = SslConfig.builder().withSslProviderString("JDK");
                String trustStore = System.getProperty("javax.net.ssl.trustStore");
                if (trustStore != null) {
                    ssl.withTrustStorePath(trustStore).withTrustStorePassword(System.getProperty("javax.net.ssl.trustStorePassword"));
                }
                cql.withSslConfig(ssl.build());
            }
            session = new Driver3Session(cql.build());
            WorkerConfiguration.Builder workers = WorkerConfiguration.builder()
                    .withCQL(new Driver3WorkerCQL(session))
                    .withConsumer(change -> settle(context, change))
                    .withQueryTimeWindowSizeMs(config.cdcQueryWindowMs())
                    .withConfidenceWindowSizeMs(config.cdcConfidenceWindowMs());
            transport = new CdcTransport(positions, workers, () -> {
                ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(config.cdcWorkers());
                pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
                return pool;
            }, failure -> failed(context, failure));
            Master reader = new Master(MasterConfiguration.builder()
                    .withCQL(new Driver3MasterCQL(session))
                    .withTransport(transport)
                    .addTable(new TableName(store.keyspace(), "outbox_messages"))
                    .build());
            master = new Thread(reader::run, "ordo-cdc-master");
            master.setDaemon(true);
            master.start();
            LOG.info("Reading the CDC log of {}.outbox_messages", store.keyspace());
            return null;
        });
    }

    /** Hands a change to the relay on its context; completes once the relay has settled it. */
    private CompletableFuture<Void> settle(Context context, RawChange change) {
        Optional<OutboxHint> hint = hintOf(change);
        if (hint.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> settled = new CompletableFuture<>();
        context.runOnContext(v -> relay.apply(hint.get()).onComplete(done -> {
            if (done.succeeded()) {
                settled.complete(null);
            } else {
                settled.completeExceptionally(done.cause()); // the library retries from its last position
            }
        }));
        return settled;
    }

    /** Fails the relay's context (see the class comment); a failure while stopping is no failure. */
    private void failed(Context context, Throwable failure) {
        if (!stopping) {
            context.runOnContext(v -> {
                throw new IllegalStateException("the CDC worker stopped: " + failure, failure);
            });
        }
    }

    /** Stops the reader (blocking: run on a worker). */
    Future<Void> stop() {
        stopping = true;
        return vertx.executeBlocking(() -> {
            if (master != null) {
                master.interrupt();
                master.join(3_000);
            }
            if (transport != null) {
                transport.stopWorkers();
            }
            if (session != null) {
                session.close();
            }
            return null;
        });
    }
}
