package io.ordo.outbox;

import com.scylladb.cdc.model.GenerationId;
import com.scylladb.cdc.model.TableName;
import com.scylladb.cdc.model.TaskId;
import com.scylladb.cdc.model.Timestamp;
import com.scylladb.cdc.model.VNodeId;
import com.scylladb.cdc.model.worker.TaskState;
import com.scylladb.cdc.model.worker.WorkerConfiguration;
import com.scylladb.cdc.transport.TaskAbortedException;
import io.ordo.store.FaultInjector;
import io.ordo.store.Store;
import io.ordo.testing.StoreFixture;
import org.junit.jupiter.api.Test;

import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CDC positions survive a restart: a new transport on the same store reads what the old one wrote. */
class CdcTransportIT {

    @Test
    void taskPositionsAreDurable() throws InterruptedException {
        try (StoreFixture fixture = StoreFixture.create(CdcTransportIT.class, 100)) {
            Store store = fixture.store;
            GenerationId generation = new GenerationId(new Timestamp(new Date(1_700_000_000_000L)));
            TaskId task = new TaskId(generation, new VNodeId(3), new TableName(fixture.config.keyspace(), "outbox_messages"));
            TaskState initial = TaskState.createInitialFor(generation, 5_000);
            TaskState moved = initial.moveToNextWindow(5_000);

            CdcTransport before = new CdcTransport(store.outbox(), WorkerConfiguration.builder(), () -> new ScheduledThreadPoolExecutor(1),
                    failure -> { });
            before.setState(task, initial);
            before.moveStateToNextWindow(task, moved);
            before.close(5_000); // positions are written coalesced, in the background: the stop writes what is left

            CdcTransport after = new CdcTransport(store.outbox(), WorkerConfiguration.builder(), () -> new ScheduledThreadPoolExecutor(1),
                    failure -> { });
            assertEquals(Map.of(task, moved), after.getTaskStates(Set.of(task)), "the position read back after a restart");
            assertTrue(after.areTasksFullyConsumedUntil(Set.of(task), initial.getWindowStartTimestamp()));
            assertFalse(after.areTasksFullyConsumedUntil(Set.of(task), moved.getWindowEndTimestamp()));
            assertThrows(TaskAbortedException.class, () -> after.updateState(task, moved),
                    "a task this transport was not given is aborted");
        }
    }
}
