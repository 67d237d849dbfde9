package io.ordo.outbox;

import com.scylladb.cdc.cql.WorkerCQL;
import com.scylladb.cdc.model.GenerationId;
import com.scylladb.cdc.model.StreamId;
import com.scylladb.cdc.model.TableName;
import com.scylladb.cdc.model.TaskId;
import com.scylladb.cdc.model.Timestamp;
import com.scylladb.cdc.model.VNodeId;
import com.scylladb.cdc.model.worker.RawChange;
import com.scylladb.cdc.model.worker.Task;
import com.scylladb.cdc.model.worker.TaskState;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A task whose reads keep failing fails the relay's context, once; a blip does not. No cluster: a fake CQL. */
class CdcReadWatchTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close().await();
    }

    @Test
    void readsThatKeepFailingAreReportedOnce() throws Exception {
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        AtomicInteger reports = new AtomicInteger();
        Context context = vertx.getOrCreateContext();
        context.exceptionHandler(failure -> {
            reports.incrementAndGet();
            reported.complete(failure);
        });
        ScyllaCdcSource source = new ScyllaCdcSource(vertx, null, null, null, null);
        boolean[] down = {true};
        WorkerCQL.Reader reader = source.watched(cql(down), context).createReader(task()).get();

        for (int i = 0; i < 9; i++) {
            assertTrue(reader.nextChange().isCompletedExceptionally());
        }
        down[0] = false;
        reader.nextChange().get(); // a success: the nine failures before no longer count
        down[0] = true;
        for (int i = 0; i < 9; i++) {
            reader.nextChange();
        }
        assertThrows(TimeoutException.class, () -> reported.get(200, TimeUnit.MILLISECONDS), "a blip is no failure");

        reader.nextChange(); // the tenth in a row
        Throwable failure = reported.get(5, TimeUnit.SECONDS);
        assertInstanceOf(IllegalStateException.class, failure);
        assertTrue(failure.getMessage().contains("failed 10 times in a row"), failure.getMessage());
        for (int i = 0; i < 20; i++) {
            reader.nextChange(); // all the tasks of a broken session fail alike: the relay restarts once
        }
        Thread.sleep(200);
        assertEquals(1, reports.get());
        assertEquals(39, source.failures());
    }

    private static WorkerCQL cql(boolean[] down) {
        return new WorkerCQL() {
            @Override
            public void prepare(Set<TableName> tables) {
            }

            @Override
            public CompletableFuture<Reader> createReader(Task task) {
                return CompletableFuture.completedFuture(() -> down[0]
                        ? CompletableFuture.<Optional<RawChange>>failedFuture(new IllegalStateException("read timeout"))
                        : CompletableFuture.completedFuture(Optional.<RawChange>empty()));
            }

            @Override
            public CompletableFuture<Optional<Long>> fetchTableTTL(TableName table) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
        };
    }

    private static Task task() {
        GenerationId generation = new GenerationId(new Timestamp(new Date(1_700_000_000_000L)));
        TaskId id = new TaskId(generation, new VNodeId(0), new TableName("ordo", "outbox_messages"));
        return new Task(id, new TreeSet<>(Set.of(new StreamId(ByteBuffer.wrap(new byte[16])))),
                TaskState.createInitialFor(generation, 5_000));
    }
}
