package io.ordo.outbox;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Tells a CDC reader that keeps failing from one that had a blip. The library retries its master and each
 * task's reads forever, logging each failure and telling nobody; a restart of the relay (a new session, the
 * positions read again) is what a reader that keeps failing needs. So a key (the master, a task) that failed
 * {@code limit} times within {@code windowMs}, with no success in between, "keeps failing".
 *
 * <p>Memory: at most {@code limit} instants per key that failed and has not succeeded since (a task, the master).
 */
final class CdcFailures {

    private final int limit;
    private final long windowMs;
    private final LongSupplier clock;
    private final Map<Object, Deque<Long>> recent = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    CdcFailures(int limit, long windowMs, LongSupplier clock) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        this.limit = limit;
        this.windowMs = windowMs;
        this.clock = clock;
    }

    /** Records a failure of {@code key}; answers whether that key now keeps failing. */
    boolean failed(Object key) {
        total.incrementAndGet();
        long now = clock.getAsLong();
        boolean[] keepsFailing = new boolean[1];
        recent.compute(key, (k, times) -> { // atomic with a success's removal of the key
            Deque<Long> kept = times != null ? times : new ArrayDeque<>();
            kept.addLast(now);
            while (kept.size() > limit || now - kept.peekFirst() > windowMs) {
                kept.removeFirst();
            }
            keepsFailing[0] = kept.size() >= limit;
            return kept;
        });
        return keepsFailing[0];
    }

    /** A success of {@code key}: its failures so far no longer count. Cheap: called for every change read. */
    void succeeded(Object key) {
        if (!recent.isEmpty()) {
            recent.remove(key);
        }
    }

    /** Every failure recorded, for a meter. */
    long total() {
        return total.get();
    }
}
