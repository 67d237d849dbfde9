package io.ordo.bench;

import io.ordo.testing.TestCassandra;

import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * CPU time of this JVM and of the embedded Cassandra, and this JVM's JIT compile time: on a 2-core
 * box the two processes compete for the same cores, so a throughput ratio is read together with
 * where each operation's CPU went and whether the JIT had settled.
 */
record Cpu(long ordoNanos, long cassandraNanos, long jitMillis) {

    static final Cpu NONE = new Cpu(0, 0, 0);

    /** The totals so far, with the test Cassandra's. */
    static Cpu now() {
        return now(TestCassandra.node().pid());
    }

    /** The totals so far, with the Cassandra of pid {@code cassandraPid}. */
    static Cpu now(long cassandraPid) {
        return new Cpu(cpuOf(ProcessHandle.current()),
                ProcessHandle.of(cassandraPid).map(Cpu::cpuOf).orElse(0L),
                ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
    }

    /** What was spent between {@code start} and this. */
    Cpu since(Cpu start) {
        return new Cpu(ordoNanos - start.ordoNanos, cassandraNanos - start.cassandraNanos, jitMillis - start.jitMillis);
    }

    Cpu plus(Cpu other) {
        return new Cpu(ordoNanos + other.ordoNanos, cassandraNanos + other.cassandraNanos, jitMillis + other.jitMillis);
    }

    /** This as spent on {@code operations} operations. */
    String perOperation(int operations) {
        return String.format("CPU per op: this JVM %.0f µs + Cassandra %.0f µs; this JVM's JIT meanwhile %d ms",
                ordoNanos / 1e3 / operations, cassandraNanos / 1e3 / operations, jitMillis);
    }

    private static long cpuOf(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
}
