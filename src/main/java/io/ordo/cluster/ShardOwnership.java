package io.ordo.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which shards this member owns, as the last membership it saw says, and whether the handover to that
 * ownership is done here. Shared by the verticles of one Ordo (read on their event loops, updated by
 * the {@link OwnershipVerticle}): every state is an immutable snapshot behind a volatile field.
 *
 * <p>Each of the {@code takers} (the command processors and the relay) reconciles its consumers with
 * a new snapshot and reports its epoch done; the handover is complete when all have. Ownership is an
 * optimization: two members that both believe they own a shard for a moment cost conflicts and
 * duplicates, never a wrong answer (the store's conditional writes and the relay's invariants hold).
 */
public final class ShardOwnership {

    /** One ownership: the ring it came from, this member's shards, and when it was taken. */
    public record Snapshot(long epoch, ShardRing ring, Set<Integer> owned, Instant since) {

        public boolean owns(int shard) {
            return owned.contains(shard);
        }
    }

    private final String self;
    private final int shards;
    private final int takers;
    private volatile Snapshot current;
    private final Set<String> reconciled = new HashSet<>();
    private long handovers;
    private long lastHandoverMs = -1;
    private Instant lastHandoverAt;
    private long pendingSinceNanos;
    private boolean settled;

    /**
     * @param self   this member's id
     * @param shards the deployment's shard count
     * @param takers how many components take shards (each reports with {@link #reconciled})
     */
    public ShardOwnership(String self, int shards, int takers) {
        this.self = self;
        this.shards = shards;
        this.takers = takers;
        this.current = new Snapshot(0, ShardRing.of(Set.of(), shards), Set.of(), Instant.now());
    }

    public String self() {
        return self;
    }

    public int shards() {
        return shards;
    }

    public Snapshot current() {
        return current;
    }

    /** The owner of {@code aggregateId}'s shard now (null before the first membership). */
    public String ownerOf(java.util.UUID aggregateId) {
        return current.ring().ownerOf(Shards.of(aggregateId, shards));
    }

    /** A new membership: the snapshot to reconcile with, or null when nothing changes for anyone. */
    public synchronized Snapshot update(Set<String> members) {
        if (current.epoch() > 0 && Set.copyOf(current.ring().members()).equals(members)) {
            return null;
        }
        ShardRing ring = ShardRing.of(members, shards);
        current = new Snapshot(current.epoch() + 1, ring, Set.copyOf(ring.shardsOf(self)), Instant.now());
        reconciled.clear();
        pendingSinceNanos = System.nanoTime();
        settled = false;
        return current;
    }

    /** {@code taker} runs with the shards of {@code epoch} now; the handover ends when every taker has. */
    public synchronized void reconciled(String taker, long epoch) {
        if (epoch != current.epoch() || settled) {
            return;
        }
        reconciled.add(taker);
        if (reconciled.size() >= takers) {
            settled = true;
            lastHandoverMs = (System.nanoTime() - pendingSinceNanos) / 1_000_000;
            lastHandoverAt = Instant.now();
            if (epoch > 1) {
                handovers++;
            }
        }
    }

    /** Whether every taker runs with the current ownership: this member serves exactly its shards. */
    public synchronized boolean settled() {
        return settled;
    }

    /** How long the last handover took here (ms from the membership change to every consumer in place), -1 before one. */
    public synchronized long lastHandoverMs() {
        return lastHandoverMs;
    }

    /** Handovers after the first ownership. */
    public synchronized long handovers() {
        return handovers;
    }

    /** What {@code GET /ops/cluster} shows. */
    public synchronized JsonObject toJson(boolean clustered) {
        Snapshot now = current;
        JsonArray owners = new JsonArray();
        for (int shard = 0; shard < shards; shard++) {
            owners.add(new JsonObject().put("shard", shard).put("owner", now.ring().ownerOf(shard)));
        }
        List<Integer> mine = now.owned().stream().sorted().toList();
        return new JsonObject()
                .put("clustered", clustered)
                .put("self", self)
                .put("members", new JsonArray(now.ring().members()))
                .put("shards", shards)
                .put("ownedShards", new JsonArray(mine))
                .put("owners", owners)
                .put("epoch", now.epoch())
                .put("since", now.since().toString())
                .put("settled", settled)
                .put("handovers", new JsonObject()
                        .put("count", handovers)
                        .put("lastMs", lastHandoverMs)
                        .put("lastAt", lastHandoverAt == null ? null : lastHandoverAt.toString()));
    }
}
