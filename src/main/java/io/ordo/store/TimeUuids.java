package io.ordo.store;

import com.datastax.oss.driver.api.core.uuid.Uuids;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time-based (version 1) UUIDs for a given instant, unique within this JVM and, through the node and
 * clock sequence the driver picked for it, across JVMs: so that a row's time-bucket and its time
 * stamp can come from one instant (the polling index's minute and {@code written_at}).
 */
final class TimeUuids {

    /** This JVM's clock sequence and node, as the driver's own time-based UUIDs carry them. */
    private static final long CLOCK_SEQ_AND_NODE = Uuids.timeBased().getLeastSignificantBits();
    /** Ticks (100 ns) within a millisecond handed out so far, so that two UUIDs of one millisecond differ. */
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long TICKS_PER_MILLI = 10_000;

    private TimeUuids() {
    }

    /** A time-based UUID whose time is {@code instant}'s millisecond. */
    static UUID at(Instant instant) {
        long millis = instant.toEpochMilli();
        long start = Uuids.startOf(millis).getMostSignificantBits();
        long tick = Math.floorMod(COUNTER.getAndIncrement(), TICKS_PER_MILLI);
        return new UUID(withTicks(start, tick), CLOCK_SEQ_AND_NODE);
    }

    /** Adds {@code ticks} to the 60-bit timestamp of a version-1 UUID's most significant bits. */
    private static long withTicks(long msb, long ticks) {
        long timestamp = ((msb & 0x0FFFL) << 48) | (((msb >>> 16) & 0xFFFFL) << 32) | (msb >>> 32);
        timestamp += ticks;
        return (timestamp << 32)
                | ((timestamp >>> 16) & 0xFFFF0000L)
                | 0x1000L
                | ((timestamp >>> 48) & 0x0FFFL);
    }
}
