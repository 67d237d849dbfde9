package io.ordo.outbox;

import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The events the relay has taken and not yet settled, by event time, for the backlog gauge and the
 * readiness check: the age is now minus the oldest event time, 0 when there is none. Each event counts
 * from its own time (not from when the relay took it) and leaves on its own settlement, so an aggregate
 * under steady load does not age, and an old backlog found after a restart reads old at once.
 *
 * <p>Changed on the relay's context only; {@link #ageMs()} may be read from any thread (a scrape)
 * through a volatile copy of the oldest time. A sorted multiset: O(log n) per change, O(1) per read,
 * whatever the number of aggregates in flight.
 */
final class Backlog {

    private static final long NONE = Long.MAX_VALUE;

    private final LongSupplier clock;
    /** Event time in ms → how many unsettled events have it. */
    private final TreeMap<Long, Integer> times = new TreeMap<>();
    private volatile long oldest = NONE;

    Backlog(LongSupplier clock) {
        this.clock = clock;
    }

    void add(long eventTimeMs) {
        times.merge(eventTimeMs, 1, Integer::sum);
        oldest = times.firstKey();
    }

    /** Removes one event added with {@code eventTimeMs}; one never added is ignored. */
    void remove(long eventTimeMs) {
        times.computeIfPresent(eventTimeMs, (time, count) -> count == 1 ? null : count - 1);
        oldest = times.isEmpty() ? NONE : times.firstKey();
    }

    /** How long ago the oldest unsettled event happened, in ms; 0 when none (and never negative under clock skew). */
    long ageMs() {
        long first = oldest;
        return first == NONE ? 0 : Math.max(0, clock.getAsLong() - first);
    }
}
