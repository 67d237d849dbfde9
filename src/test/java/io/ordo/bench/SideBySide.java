package io.ordo.bench;

import java.time.Duration;

/**
 * How the store and server benchmarks compare two paths in one run (and how long the read-side
 * benchmark warms up): both alternate until the
 * machine has settled, then alternate for {@link #ROUNDS} measured rounds so that drift hits both
 * alike. On 2 cores the benchmark's JVM and the embedded Cassandra take about three minutes of load
 * to settle (Cassandra's CPU per append falls by half meanwhile); a short warm-up charged that to
 * whichever path ran more new code.
 */
public final class SideBySide {

    public static final Duration WARM_UP = Duration.ofSeconds(Long.getLong("bench.warmUpSeconds", 180));
    static final int ROUNDS = 3;

    private SideBySide() {
    }

    /** Runs {@code round} (one round of each path, printing its rates) until {@link #WARM_UP} has passed. */
    public static void warmUp(Runnable round) {
        long until = System.nanoTime() + WARM_UP.toNanos();
        while (System.nanoTime() < until) {
            round.run();
        }
    }
}
