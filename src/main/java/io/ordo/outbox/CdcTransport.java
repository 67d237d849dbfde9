package io.ordo.outbox;

import com.scylladb.cdc.model.GenerationId;
import com.scylladb.cdc.model.StreamId;
import com.scylladb.cdc.model.TableName;
import com.scylladb.cdc.model.TaskId;
import com.scylladb.cdc.model.Timestamp;
import com.scylladb.cdc.model.worker.ChangeId;
import com.scylladb.cdc.model.worker.ChangeTime;
import com.scylladb.cdc.model.worker.TaskState;
import com.scylladb.cdc.model.worker.Worker;
import com.scylladb.cdc.model.worker.WorkerConfiguration;
import com.scylladb.cdc.transport.GroupedTasks;
import com.scylladb.cdc.transport.MasterTransport;
import com.scylladb.cdc.transport.TaskAbortedException;
import com.scylladb.cdc.transport.WorkerTransport;
import io.ordo.store.OutboxStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The scylla-cdc-java transports, made durable: every task's position (its window and the last change
 * consumed) and the current generation are kept in {@code cdc_checkpoints}, so a restart resumes where
 * it stopped instead of re-reading the whole CDC log. The library keeps these in memory only.
 *
 * <p>The library calls these methods on its own threads, concurrently; the store calls here block,
 * which is fine there and never happens on an event loop. A saved position may lag the true one
 * (it is written once per batch), which means a change may be delivered again: at least once.
 *
 * <p>A worker that ends without being told to (the library does not retry its start: preparing the
 * reads, loading the saved positions) is reported to {@code failed}; nothing here restarts it.
 */
final class CdcTransport implements MasterTransport, WorkerTransport {

    static final String SOURCE = "scylla-cdc";
    private static final String GENERATION = "generation";
    private static final Logger LOG = LoggerFactory.getLogger(CdcTransport.class);
    /** How long stopping waits for the worker thread before interrupting it, so a relay's stop cannot hang. */
    private static final long STOP_WAIT_MS = 5_000;

    private final OutboxStore positions;
    private final WorkerConfiguration.Builder workers;
    private final Supplier<ScheduledExecutorService> pools;
    private final Consumer<Throwable> failed;
    private final Map<TaskId, TaskState> live = new ConcurrentHashMap<>();
    private volatile Worker worker;
    private volatile Thread workerThread;

    CdcTransport(OutboxStore positions, WorkerConfiguration.Builder workers, Supplier<ScheduledExecutorService> pools,
                 Consumer<Throwable> failed) {
        this.positions = positions;
        this.workers = workers;
        this.pools = pools;
        this.failed = failed;
    }

    // ---- master -----------------------------------------------------------------------------

    @Override
    public Optional<GenerationId> getCurrentGenerationId() {
        return Optional.ofNullable(positions.checkpointNow(SOURCE, GENERATION))
                .map(millis -> new GenerationId(new Timestamp(new Date(Long.parseLong(millis)))));
    }

    @Override
    public boolean areTasksFullyConsumedUntil(Set<TaskId> tasks, Timestamp until) {
        for (TaskId task : tasks) {
            TaskState state = load(task);
            if (state == null || !state.hasPassed(until)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void configureWorkers(GroupedTasks tasks) throws InterruptedException {
        live.keySet().retainAll(tasks.getTaskIds());
        positions.saveCheckpointNow(SOURCE, GENERATION,
                Long.toString(tasks.getGenerationId().getGenerationStart().toDate().getTime()));
        startWorker(tasks);
    }

    /** Replaces the running worker, if any, by one for {@code tasks}, on a thread of its own. */
    void startWorker(GroupedTasks tasks) throws InterruptedException {
        stopWorkers();
        // Each worker needs an executor of its own: stopping a worker shuts its executor down.
        Worker next = new Worker(workers.withTransport(this).withExecutorService(pools.get()).build());
        Thread thread = new Thread(() -> {
            Throwable failure = null;
            try {
                next.run(tasks); // returns once stopped; the library retries only the reads and the consumer
            } catch (InterruptedException e) {
                failure = e;
            } catch (ExecutionException e) {
                failure = e.getCause();
            } catch (RuntimeException e) {
                failure = e; // e.g. reading a saved position failed
            }
            if (worker != next) {
                return; // stopped on purpose: a new generation or a stop
            }
            failed.accept(failure != null ? failure : new IllegalStateException("the CDC worker ended by itself"));
        }, "ordo-cdc-worker");
        worker = next;
        workerThread = thread;
        thread.start();
    }

    @Override
    public Optional<GenerationId> getCurrentGenerationId(TableName table) {
        throw new UnsupportedOperationException("tablets: Ordo's keyspace has tablets disabled");
    }

    @Override
    public void configureWorkers(TableName table, GroupedTasks tasks) {
        throw new UnsupportedOperationException("tablets: Ordo's keyspace has tablets disabled");
    }

    @Override
    public void stopWorkers() throws InterruptedException {
        Worker running = worker;
        Thread thread = workerThread;
        worker = null;
        workerThread = null;
        if (running != null) {
            running.stop();
            // On the library's master thread, or a worker thread of ScyllaCdcSource.stop: never an event loop.
            thread.join(STOP_WAIT_MS);
            if (thread.isAlive()) {
                LOG.warn("The CDC worker did not stop within {} ms; interrupting it", STOP_WAIT_MS);
                thread.interrupt();
            }
        }
    }

    // ---- worker -----------------------------------------------------------------------------

    @Override
    public Map<TaskId, TaskState> getTaskStates(Set<TaskId> tasks) {
        Map<TaskId, TaskState> states = new HashMap<>();
        for (TaskId task : tasks) {
            TaskState state = load(task);
            if (state != null) {
                states.put(task, state);
            }
        }
        return states;
    }

    @Override
    public void setState(TaskId task, TaskState state) {
        live.put(task, state);
        save(task, state);
    }

    @Override
    public void updateState(TaskId task, TaskState state) {
        TaskState previous = live.replace(task, state);
        if (previous == null) {
            throw new TaskAbortedException("task " + task + " is no longer assigned");
        }
        if (!state.equals(previous)) {
            save(task, state);
        }
    }

    @Override
    public void moveStateToNextWindow(TaskId task, TaskState state) {
        if (live.replace(task, state) == null) {
            throw new TaskAbortedException("task " + task + " is no longer assigned");
        }
        save(task, state);
    }

    /**
     * Writes a task's position. A failed write is logged and otherwise ignored: thrown into the library,
     * it would end that task's chain silently (its actions only catch their reads and the consumer).
     * The position in memory goes on; the durable one lags until the next write, which is safe (a restart
     * delivers some changes again, never skips one).
     */
    private void save(TaskId task, TaskState state) {
        try {
            positions.saveCheckpointNow(SOURCE, key(task), encode(state));
        } catch (RuntimeException e) {
            LOG.warn("Saving the CDC position of {} failed; it is kept in memory and saved with the next one: {}",
                    key(task), e.toString());
        }
    }

    private TaskState load(TaskId task) {
        TaskState state = live.get(task);
        if (state != null) {
            return state;
        }
        String position = positions.checkpointNow(SOURCE, key(task));
        return position == null ? null : decode(position);
    }

    // ---- positions as text ------------------------------------------------------------------

    /** {@code keyspace.table:generationStartMillis:vnode}. */
    static String key(TaskId task) {
        return task.getTable().keyspace + "." + task.getTable().name + ":"
                + task.getGenerationId().getGenerationStart().toDate().getTime() + ":" + task.getvNodeId().getIndex();
    }

    /** {@code windowStartMillis:windowEndMillis[:streamIdHex:changeTimeuuid]}. */
    static String encode(TaskState state) {
        String window = state.getWindowStartTimestamp().toDate().getTime() + ":" + state.getWindowEndTimestamp().toDate().getTime();
        return state.getLastConsumedChangeId().map(change -> window + ":"
                        + HexFormat.of().formatHex(bytes(change.getStreamId().getValue())) + ":" + change.getChangeTime().getUUID())
                .orElse(window);
    }

    static TaskState decode(String position) {
        String[] parts = position.split(":");
        Optional<ChangeId> last = parts.length == 4
                ? Optional.of(new ChangeId(new StreamId(ByteBuffer.wrap(HexFormat.of().parseHex(parts[2]))),
                new ChangeTime(UUID.fromString(parts[3]))))
                : Optional.empty();
        return new TaskState(new Timestamp(new Date(Long.parseLong(parts[0]))),
                new Timestamp(new Date(Long.parseLong(parts[1]))), last);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
