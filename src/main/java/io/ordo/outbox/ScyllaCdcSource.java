package io.ordo.outbox;

import com.scylladb.cdc.cql.CQLConfiguration;
import com.scylladb.cdc.cql.SslConfig;
import com.scylladb.cdc.cql.WorkerCQL;
import com.scylladb.cdc.cql.driver3.Driver3MasterCQL;
import com.scylladb.cdc.cql.driver3.Driver3Session;
import com.scylladb.cdc.cql.driver3.Driver3WorkerCQL;
import com.scylladb.cdc.model.TableName;
import com.scylladb.cdc.model.TaskId;
import com.scylladb.cdc.model.master.Master;
import com.scylladb.cdc.model.master.MasterConfiguration;
import com.scylladb.cdc.model.worker.RawChange;
import com.scylladb.cdc.model.worker.Task;
import com.scylladb.cdc.model.worker.WorkerConfiguration;
import io.ordo.config.OrdoConfig;
import io.ordo.store.OutboxStore;
import io.ordo.store.StoreConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>The library's master and its workers' reads retry every failure themselves, forever, and only log it:
 * a master thread that ends, a master that keeps failing, or a task whose reads keep failing
 * ({@link CdcFailures}) is reported the same way, once. {@link #failures()} and {@link #healthy()} say so
 * for metrics and health.
 */
final class ScyllaCdcSource {

    private static final Logger LOG = LoggerFactory.getLogger(ScyllaCdcSource.class);
    /** How often the tasks' positions that moved are written ({@link CdcTransport#flush}). */
    static final long FLUSH_MS = 1_000;
    /** How long a stop waits for the last positions to be written. */
    private static final long FINAL_FLUSH_MS = 5_000;
    /** Failures of one kind that count as "keeps failing" when they come within this window. */
    private static final long FAILURE_WINDOW_MS = 5 * 60_000;
    /** The library's master waits 10 s after each failure: 3 in a row is about half a minute of failing. */
    private static final int MASTER_FAILURE_LIMIT = 3;
    /** A task's reads are retried after 50 ms, doubling up to 30 s: 10 in a row is about a minute of failing. */
    private static final int READ_FAILURE_LIMIT = 10;
    private static final String MASTER = "master";

    private final Vertx vertx;
    private final StoreConfig store;
    private final OrdoConfig.Relay config;
    private final OutboxStore positions;
    private final Function<OutboxHint, Future<Void>> relay;
    private final CdcFailures masterFailures = new CdcFailures(MASTER_FAILURE_LIMIT, FAILURE_WINDOW_MS, System::currentTimeMillis);
    private final CdcFailures readFailures = new CdcFailures(READ_FAILURE_LIMIT, FAILURE_WINDOW_MS, System::currentTimeMillis);
    /** The master or a worker ended by itself. */
    private final AtomicLong ended = new AtomicLong();
    /** Whether a failure was reported (the relay is restarted for it): once is enough. */
    private final AtomicBoolean reported = new AtomicBoolean();
    private Driver3Session session;
    private CdcTransport transport;
    private volatile Thread master;
    private long flushTimer = -1;
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
        return vertx.<Void>executeBlocking(() -> {
            routeJavaLoggingToSlf4j();
            session = new Driver3Session(cqlConfiguration(store));
            WorkerConfiguration.Builder workers = WorkerConfiguration.builder()
                    .withCQL(watched(new Driver3WorkerCQL(session), context))
                    .withConsumer(change -> settle(context, change))
                    .withQueryTimeWindowSizeMs(config.cdcQueryWindowMs())
                    .withConfidenceWindowSizeMs(config.cdcConfidenceWindowMs());
            transport = new CdcTransport(positions, workers, () -> {
                ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(config.cdcWorkers());
                pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
                return pool;
            }, failure -> {
                ended.incrementAndGet(); // a worker ended by itself
                failed(context, failure);
            }, () -> masterFailed(context),
                    config.initialLookbackMinutes() * 60_000L, config.cdcQueryWindowMs());
            Master reader = new Master(MasterConfiguration.builder()
                    .withCQL(new Driver3MasterCQL(session))
                    .withTransport(transport)
                    .addTable(new TableName(store.keyspace(), "outbox_messages"))
                    .build());
            Thread thread = new Thread(() -> {
                try {
                    reader.run(); // catches every Exception and retries; returns only once interrupted (a stop)
                } catch (Throwable e) { // an Error: the master is gone
                    ended.incrementAndGet();
                    failed(context, e);
                    return;
                }
                if (!stopping) {
                    ended.incrementAndGet();
                    failed(context, new IllegalStateException("the CDC master thread ended by itself"));
                }
            }, "ordo-cdc-master");
            thread.setDaemon(true);
            master = thread;
            thread.start();
            LOG.info("Reading the CDC log of {}.outbox_messages", store.keyspace());
            return null;
        }).andThen(started -> {
            if (started.succeeded() && !stopping) { // on the relay's context: so are the writes' callbacks
                flushTimer = vertx.setPeriodic(FLUSH_MS, id -> transport.flush());
            }
        });
    }

    /**
     * The library's session settings. Reads at LOCAL_QUORUM, as the store writes (the library's default is
     * QUORUM, across data centers; its master's reads of the generation tables stay at QUORUM, or ONE on a
     * single node, which it does not let us set).
     *
     * <p>TLS trusts the JVM's trust store, as the main session does, left to the JDK's default trust manager:
     * that reads {@code javax.net.ssl.trustStore}, {@code trustStoreType} and {@code trustStorePassword}
     * itself, with or without a password. Handing the library the path instead crashed a trust store with no
     * password: its Driver3Session calls {@code trustStorePassword.toCharArray()} (1.3.9) and always loads
     * the store as JKS.
     */
    static CQLConfiguration cqlConfiguration(StoreConfig store) {
        CQLConfiguration.Builder cql = CQLConfiguration.builder();
        for (InetSocketAddress point : store.contactPoints()) {
            cql.addContactPoint(point.getHostString(), point.getPort());
        }
        cql.withLocalDCName(store.localDatacenter());
        cql.withConsistencyLevel(CQLConfiguration.ConsistencyLevel.LOCAL_QUORUM);
        if (store.username() != null) {
            cql.withCredentials(store.username(), store.password());
        }
        if (store.tls()) {
            cql.withSslConfig(SslConfig.builder().withSslProviderString("JDK").build());
        }
        return cql.build();
    }

    /**
     * The library logs through java.util.logging (Flogger's default backend), which would bypass Ordo's
     * logging (format, levels): routed to SLF4J, once per JVM. JUL's own levels still decide what is passed on.
     */
    private static synchronized void routeJavaLoggingToSlf4j() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    /**
     * The workers' reads, watched per task: the library retries a failed read after a backoff, forever, and
     * only logs it; a task whose reads keep failing is reported, so the relay restarts with a new session.
     */
    WorkerCQL watched(WorkerCQL reads, Context context) {
        return new WorkerCQL() {
            @Override
            public void prepare(Set<TableName> tables) throws InterruptedException, ExecutionException {
                reads.prepare(tables);
            }

            @Override
            public CompletableFuture<Reader> createReader(Task task) {
                return watch(context, task.id, reads.createReader(task))
                        .thenApply(reader -> () -> watch(context, task.id, reader.nextChange()));
            }

            @Override
            public CompletableFuture<Optional<Long>> fetchTableTTL(TableName table) {
                return reads.fetchTableTTL(table);
            }
        };
    }

    private <T> CompletableFuture<T> watch(Context context, TaskId task, CompletableFuture<T> read) {
        return read.whenComplete((result, failure) -> {
            if (failure == null) {
                readFailures.succeeded(task);
            } else if (readFailures.failed(task)) {
                failed(context, new IllegalStateException("the CDC reads of " + CdcTransport.key(task) + " failed "
                        + READ_FAILURE_LIMIT + " times in a row", failure));
            }
        });
    }

    /** The library's master caught a failure and starts again (it logged the failure, through the bridge). */
    private void masterFailed(Context context) {
        if (masterFailures.failed(MASTER)) {
            failed(context, new IllegalStateException("the CDC master failed " + MASTER_FAILURE_LIMIT + " times within "
                    + FAILURE_WINDOW_MS / 1_000 + " s (see the errors of " + Master.class.getName() + ")"));
        }
    }

    /**
     * Failures of the CDC reader seen so far: the master's retries, the workers' failed reads and a master or
     * worker that ended (for a meter; a few are normal, see {@link #healthy()}).
     */
    long failures() {
        return masterFailures.total() + readFailures.total() + ended.get();
    }

    /** Whether the reader runs: started, its master thread alive, and no failure reported (that restarts the relay). */
    boolean healthy() {
        Thread thread = master;
        return thread != null && thread.isAlive() && !reported.get() && !stopping;
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

    /**
     * Fails the relay's context (see the class comment), once; a failure while stopping is no failure.
     * Every worker and the master thread end up here when they end by themselves.
     */
    private void failed(Context context, Throwable failure) {
        if (stopping || !reported.compareAndSet(false, true)) {
            return;
        }
        context.runOnContext(v -> {
            throw new IllegalStateException("the CDC reader failed: " + failure, failure);
        });
    }

    /** Stops the reader and writes its last positions (blocking: run on a worker). */
    Future<Void> stop() {
        stopping = true;
        if (flushTimer != -1) {
            vertx.cancelTimer(flushTimer);
        }
        return vertx.executeBlocking(() -> {
            Thread thread = master;
            if (thread != null) {
                thread.interrupt();
                thread.join(3_000);
            }
            if (transport != null) {
                transport.close(FINAL_FLUSH_MS);
            }
            if (session != null) {
                session.close();
            }
            return null;
        });
    }
}
