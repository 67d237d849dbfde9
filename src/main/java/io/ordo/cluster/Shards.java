package io.ordo.cluster;

import java.util.UUID;

/**
 * The aggregates' shards: the unit a fleet hands between its members (commands, the relay, the polling
 * index). Fixed per deployment ({@code cluster.shards}); a single instance owns them all.
 */
public final class Shards {

    private Shards() {
    }

    /** The shard of {@code aggregateId} among {@code count}. */
    public static int of(UUID aggregateId, int count) {
        return Math.floorMod(aggregateId.hashCode(), count);
    }
}
