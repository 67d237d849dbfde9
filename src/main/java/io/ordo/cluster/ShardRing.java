package io.ordo.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who owns each shard among a list of members: rendezvous (highest random weight) hashing. Every
 * member computes the same owners from the same member list, with no coordination; when a member
 * leaves only its shards move (each to the member that scores next highest), and a member that joins
 * takes about 1/N of the shards, from every other member alike. Pure: unit-tested on its own.
 */
public final class ShardRing {

    private final List<String> members;
    private final String[] owners;

    private ShardRing(List<String> members, String[] owners) {
        this.members = members;
        this.owners = owners;
    }

    /** The owners of {@code shards} shards among {@code members} (none: every shard is unowned). */
    public static ShardRing of(Set<String> members, int shards) {
        List<String> sorted = List.copyOf(new TreeSet<>(members));
        long[] memberHashes = new long[sorted.size()];
        for (int i = 0; i < memberHashes.length; i++) {
            memberHashes[i] = hash(sorted.get(i));
        }
        String[] owners = new String[shards];
        for (int shard = 0; shard < shards; shard++) {
            long best = Long.MIN_VALUE;
            for (int i = 0; i < memberHashes.length; i++) {
                long score = mix(memberHashes[i] ^ mix(shard + 0x9E3779B97F4A7C15L));
                if (owners[shard] == null || score > best) {
                    best = score;
                    owners[shard] = sorted.get(i);
                }
            }
        }
        return new ShardRing(sorted, owners);
    }

    public List<String> members() {
        return members;
    }

    public int shards() {
        return owners.length;
    }

    /** The owner of {@code shard}, or null when there is no member. */
    public String ownerOf(int shard) {
        return owners[shard];
    }

    /** The shards {@code member} owns, ascending. */
    public List<Integer> shardsOf(String member) {
        List<Integer> owned = new ArrayList<>();
        for (int shard = 0; shard < owners.length; shard++) {
            if (member.equals(owners[shard])) {
                owned.add(shard);
            }
        }
        return owned;
    }

    /** A stable 64-bit hash of a member's id (FNV-1a, then mixed). */
    private static long hash(String member) {
        long h = 0xcbf29ce484222325L;
        for (byte b : member.getBytes(StandardCharsets.UTF_8)) {
            h ^= b;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer: every input bit moves about half of the output bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
