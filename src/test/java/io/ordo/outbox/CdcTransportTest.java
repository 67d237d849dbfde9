package io.ordo.outbox;

import com.scylladb.cdc.cql.WorkerCQL;
import com.scylladb.cdc.model.GenerationId;
import com.scylladb.cdc.model.StreamId;
import com.scylladb.cdc.model.TableName;
import com.scylladb.cdc.model.TaskId;
import com.scylladb.cdc.model.Timestamp;
import com.scylladb.cdc.model.VNodeId;
import com.scylladb.cdc.model.master.GenerationMetadata;
import com.scylladb.cdc.model.worker.Task;
import com.scylladb.cdc.model.worker.WorkerConfiguration;
import com.scylladb.cdc.transport.GroupedTasks;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CDC worker's life without a cluster: a worker that dies is reported, one stopped on purpose is not. */
class CdcTransportTest {

    private static final Timestamp START = new Timestamp(new Date(1_700_000_000_000L));

    /** What the fake CQL does when the worker prepares its reads, the first thing it does. */
    private interface Prepare {
        void run() throws InterruptedException, ExecutionException;
    }

    @Test
    void aWorkerThatDiesIsReported() throws Exception {
        IllegalStateException broken = new IllegalStateException("no CDC log");
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        CdcTransport transport = transport(() -> {
            throw new ExecutionException(broken);
        }, reported::complete);
        transport.startWorker(tasks());
        assertSame(broken, reported.get(10, TimeUnit.SECONDS));
        transport.stopWorkers();
    }

    @Test
    void aWorkerStoppedOnPurposeIsNotReportedAndStoppingDoesNotHang() throws Exception {
        CountDownLatch preparing = new CountDownLatch(1);
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        CdcTransport transport = transport(() -> {
            preparing.countDown();
            new CountDownLatch(1).await(); // stuck until interrupted
        }, reported::complete);
        transport.startWorker(tasks());
        assertTrue(preparing.await(10, TimeUnit.SECONDS));

        long started = System.nanoTime();
        transport.stopWorkers();
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(8), "bounded by the stop wait");
        assertThrows(TimeoutException.class, () -> reported.get(500, TimeUnit.MILLISECONDS));
    }

    private static CdcTransport transport(Prepare prepare, Consumer<Throwable> failed) {
        WorkerCQL cql = new WorkerCQL() {
            @Override
            public void prepare(Set<TableName> tables) throws InterruptedException, ExecutionException {
                prepare.run();
            }

            @Override
            public CompletableFuture<Reader> createReader(Task task) {
                return new CompletableFuture<>();
            }

            @Override
            public CompletableFuture<Optional<Long>> fetchTableTTL(TableName table) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
        };
        WorkerConfiguration.Builder workers = WorkerConfiguration.builder().withCQL(cql)
                .withConsumer(change -> CompletableFuture.completedFuture(null));
        // No store: these workers never get as far as reading or writing a position.
        return new CdcTransport(null, workers, () -> new ScheduledThreadPoolExecutor(1), failed);
    }

    private static GroupedTasks tasks() {
        SortedSet<StreamId> streams = new TreeSet<>(Set.of(new StreamId(ByteBuffer.wrap(new byte[16]))));
        TaskId task = new TaskId(new GenerationId(START), new VNodeId(0), new TableName("ordo", "outbox_messages"));
        return new GroupedTasks(Map.of(task, streams), new GenerationMetadata(START, Optional.empty(), streams));
    }
}
