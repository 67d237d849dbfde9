package io.ordo.outbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/**
 * Positions to write, coalesced: {@link #offer} only remembers the latest value of a key (the CDC library
 * reports a task's position for every change it consumes, on its own few threads), and {@link #flush}, run
 * at a fixed rate, writes each key that changed since, with at most one write in flight per key, so writes
 * of one key land in order. Memory is one value and one write per key (per CDC task).
 *
 * <p>A failed write is kept (unless a newer value came meanwhile) and written again by the next flush: the
 * durable position lags, which is safe (a restart delivers some changes again, it never skips one).
 */
final class CdcCheckpoints<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(CdcCheckpoints.class);

    private final BiFunction<K, V, ? extends CompletionStage<?>> writer;
    /** The latest value of each key not written yet; offered without a lock, as often as the library likes. */
    private final Map<K, V> pending = new ConcurrentHashMap<>();
    /** The write in flight of each key. Guarded by {@code this}. */
    private final Map<K, CompletableFuture<Void>> writing = new HashMap<>();
    /** Whether the last write ended in failure: logs once per outage instead of once per write. Guarded by {@code this}. */
    private boolean failing;

    /** @param writer writes a key's value, asynchronously; must not block */
    CdcCheckpoints(BiFunction<K, V, ? extends CompletionStage<?>> writer) {
        this.writer = writer;
    }

    /** Remembers {@code value} as the latest of {@code key}; the next flush writes it. */
    void offer(K key, V value) {
        pending.put(key, value);
    }

    /**
     * Starts a write for every key with a value not written yet and no write in flight (that key waits for the
     * next flush). Completes once every write in flight, those started here and earlier ones, has ended.
     */
    synchronized CompletableFuture<Void> flush() {
        // A snapshot of the keys: a write that fails at once puts its key back, to be tried next time, not now.
        for (K key : new ArrayList<>(pending.keySet())) {
            if (writing.containsKey(key)) {
                continue;
            }
            V value = pending.remove(key);
            if (value != null) {
                CompletableFuture<Void> write = write(key, value);
                if (!write.isDone()) { // a write that ended at once has already cleaned up after itself
                    writing.put(key, write);
                }
            }
        }
        return CompletableFuture.allOf(writing.values().toArray(CompletableFuture[]::new));
    }

    /**
     * Flushes until nothing is left to write (a value offered or failed meanwhile is written too), or
     * {@code timeoutMs} has passed: for a stop, once nothing offers any more. Blocking.
     *
     * @return whether everything was written
     */
    boolean drain(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!idle()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                flush().get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                // not thrown: each write handles its own failure
            } catch (TimeoutException e) {
                return false;
            }
            if (!idle()) {
                Thread.sleep(50); // a write failed and waits to be tried again: not in a busy loop
            }
        }
        return true;
    }

    /** Whether nothing waits to be written and nothing is being written. */
    synchronized boolean idle() {
        return pending.isEmpty() && writing.isEmpty();
    }

    private CompletableFuture<Void> write(K key, V value) {
        CompletableFuture<?> started;
        try {
            started = writer.apply(key, value).toCompletableFuture();
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        return started.handle((ignored, failure) -> {
            synchronized (this) {
                writing.remove(key);
                if (failure == null) {
                    if (failing) {
                        failing = false;
                        LOG.info("Saving CDC positions works again");
                    }
                } else {
                    pending.putIfAbsent(key, value); // a newer value, if any, replaces this one
                    if (!failing) {
                        failing = true;
                        LOG.warn("Saving a CDC position failed; positions are kept and written again each flush: {}",
                                failure.toString());
                    }
                }
            }
            return null;
        });
    }
}
