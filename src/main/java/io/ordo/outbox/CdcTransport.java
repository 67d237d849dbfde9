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
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The scylla-cdc-java transports, made durable: every task's position (its window and the last change
 * consumed) and the current generation are kept in {@code cdc_checkpoints}, so a restart resumes where
 * it stopped instead of re-reading the whole CDC log. The library keeps these in memory only.
 *
 * <p>The library calls these methods on its own threads, concurrently, and reports a task's position for
 * every change it consumes. Those positions are only remembered ({@link CdcCheckpoints}); {@link #flush},
 * run every second by the source, writes the tasks that moved, asynchronously, and {@link #close} writes the
 * last ones. So a saved position lags the true one by up to a flush, which means a change may be delivered
 * again after a restart: at least once, never a skip. The reads of saved positions and of the generation
 * (at a worker's or the master's start) block, which is fine on the library's threads.
 *
 * <p>A task with no saved position starts at its generation's start, as in the library, except on a first
 * start (no generation saved yet): then at {@code lookbackMs} before that start at the earliest, instead of
 * replaying the whole CDC log in query windows.
 *
 * <p>A worker that ends without being told to (the library does not retry its start: preparing the
 * reads, loading the saved positions) is reported to {@code failed}; nothing here restarts it. Each time
 * the library's master starts its loop again after a failure it swallowed, {@code masterRetried} is told.
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
    private final Runnable masterRetried;
    private final long lookbackMs;
    private final long windowMs;
    /** The latest position of each task assigned; the library's own, in memory. */
    private final Map<TaskId, TaskState> live = new ConcurrentHashMap<>();
    private final CdcCheckpoints<TaskId, TaskState> unsaved;
    /** Calls of {@link #getCurrentGenerationId()}: the master's loop starts with it, once per (re)start. */
    private final AtomicInteger masterStarts = new AtomicInteger();
    /** Where a task with no saved position starts at the earliest (see the class comment); MIN_VALUE: its generation's start. */
    private volatile long firstStartFloorMs = Long.MIN_VALUE;
    private volatile boolean firstStartDecided;
    private volatile Worker worker;
    private volatile Thread workerThread;

    /** A transport with no look-back and nothing told of the master's retries. */
    CdcTransport(OutboxStore positions, WorkerConfiguration.Builder workers, Supplier<ScheduledExecutorService> pools,
                 Consumer<Throwable> failed) {
        this(positions, workers, pools, failed, () -> { }, 0, WorkerConfiguration.DEFAULT_QUERY_TIME_WINDOW_SIZE_MS);
    }

    /**
     * @param masterRetried told each time the library's master restarts its loop after a failure
     * @param lookbackMs    how far back a first start reads (see the class comment)
     * @param windowMs      the workers' query window, the size of a first position's window
     */
    CdcTransport(OutboxStore positions, WorkerConfiguration.Builder workers, Supplier<ScheduledExecutorService> pools,
                 Consumer<Throwable> failed, Runnable masterRetried, long lookbackMs, long windowMs) {
        this.positions = positions;
        this.workers = workers;
        this.pools = pools;
        this.failed = failed;
        this.masterRetried = masterRetried;
        this.lookbackMs = lookbackMs;
        this.windowMs = windowMs;
        this.unsaved = new CdcCheckpoints<>((task, state) ->
                positions.saveCheckpoint(SOURCE, key(task), encode(state)).toCompletionStage());
    }

    /** Writes the positions that moved since the last flush (asynchronously; one write in flight per task). */
    CompletableFuture<Void> flush() {
        return unsaved.flush();
    }

    /** Stops the worker and writes the last positions, waiting up to {@code timeoutMs} (blocking). */
    void close(long timeoutMs) throws InterruptedException {
        stopWorkers();
        if (!unsaved.drain(timeoutMs)) {
            LOG.warn("Some CDC positions could not be saved within {} ms; a restart reads those changes again", timeoutMs);
        }
    }

    // ---- master -----------------------------------------------------------------------------

    /**
     * The saved generation. The library's master calls this first thing each time its loop starts; it starts
     * again only after catching a failure (which it logs and otherwise keeps to itself): a call after the
     * first is a failure of the master.
     */
    @Override
    public Optional<GenerationId> getCurrentGenerationId() {
        int started = masterStarts.getAndIncrement();
        if (started > 0) {
            masterRetried.run();
        }
        String saved = positions.checkpointNow(SOURCE, GENERATION);
        if (!firstStartDecided) { // by the first read that succeeds: a later one sees what this run saved
            firstStartDecided = true;
            if (saved == null && lookbackMs > 0) {
                // Nothing was ever saved: a first start, which reads back only lookbackMs, like the polling source.
                firstStartFloorMs = System.currentTimeMillis() - lookbackMs;
                LOG.info("First start of the CDC reader: reading the outbox's CDC log from {} on", new Date(firstStartFloorMs));
            }
        }
        return Optional.ofNullable(saved).map(millis -> new GenerationId(new Timestamp(new Date(Long.parseLong(millis)))));
    }

    @Override
    public boolean areTasksFullyConsumedUntil(Set<TaskId> tasks, Timestamp until) {
        for (TaskId task : tasks) {
            TaskState state = position(task); // on a first start, generations that ended before the look-back are done
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

    /** The saved positions; on a first start, a look-back position for each task with none (else the library's). */
    @Override
    public Map<TaskId, TaskState> getTaskStates(Set<TaskId> tasks) {
        Map<TaskId, TaskState> states = new HashMap<>();
        for (TaskId task : tasks) {
            TaskState state = position(task);
            if (state != null) {
                states.put(task, state);
            }
        }
        return states;
    }

    /**
     * Where a task with no saved position starts on a first start: {@code floorMs}, but never before its
     * generation's start (the library's own start, which would replay the whole CDC log).
     */
    static TaskState firstPosition(GenerationId generation, long floorMs, long windowMs) {
        long start = Math.max(generation.getGenerationStart().toDate().getTime(), floorMs);
        Timestamp from = new Timestamp(new Date(start));
        return new TaskState(from, from.plus(windowMs, ChronoUnit.MILLIS), Optional.empty());
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
     * Remembers a task's position for the next flush. Nothing here may throw (but the library's own
     * TaskAbortedException): thrown into the library, it would end that task's chain silently (its actions
     * only catch their reads and the consumer). A failed write is the flush's to retry.
     */
    private void save(TaskId task, TaskState state) {
        unsaved.offer(task, state);
    }

    /** A task's position: its latest, else its saved one, else on a first start its look-back one; or null. */
    private TaskState position(TaskId task) {
        TaskState state = load(task);
        long floor = firstStartFloorMs;
        return state == null && floor != Long.MIN_VALUE ? firstPosition(task.getGenerationId(), floor, windowMs) : state;
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
