package io.ordo.cluster;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardRingTest {

    private static final Set<String> THREE = Set.of("a", "b", "c");

    @Test
    void everyShardHasExactlyOneOwnerAndEveryMemberComputesTheSame() {
        ShardRing ring = ShardRing.of(THREE, 64);
        ShardRing again = ShardRing.of(Set.of("c", "a", "b"), 64);
        int owned = 0;
        for (String member : THREE) {
            owned += ring.shardsOf(member).size();
        }
        assertEquals(64, owned);
        for (int shard = 0; shard < 64; shard++) {
            assertEquals(ring.ownerOf(shard), again.ownerOf(shard), "shard " + shard);
        }
    }

    @Test
    void shardsSpreadOverTheMembers() {
        Set<String> members = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            members.add(UUID.randomUUID().toString());
        }
        ShardRing ring = ShardRing.of(members, 1024);
        for (String member : members) {
            int share = ring.shardsOf(member).size();
            assertTrue(share > 1024 / 5 / 2 && share < 1024 / 5 * 2, member + " owns " + share + " of 1024");
        }
    }

    @Test
    void whenAMemberLeavesOnlyItsShardsMove() {
        ShardRing before = ShardRing.of(THREE, 256);
        ShardRing after = ShardRing.of(Set.of("a", "b"), 256);
        for (int shard = 0; shard < 256; shard++) {
            if (!"c".equals(before.ownerOf(shard))) {
                assertEquals(before.ownerOf(shard), after.ownerOf(shard), "shard " + shard + " stays where it was");
            }
        }
        assertTrue(after.shardsOf("c").isEmpty());
    }

    @Test
    void aMemberThatJoinsTakesShardsOnlyForItself() {
        ShardRing before = ShardRing.of(THREE, 256);
        ShardRing after = ShardRing.of(Set.of("a", "b", "c", "d"), 256);
        int moved = 0;
        for (int shard = 0; shard < 256; shard++) {
            if (!before.ownerOf(shard).equals(after.ownerOf(shard))) {
                assertEquals("d", after.ownerOf(shard), "a shard that moves, moves to the member that joined");
                moved++;
            }
        }
        assertTrue(moved > 256 / 4 / 2 && moved < 256 / 4 * 2, moved + " of 256 moved");
    }

    @Test
    void noMemberOwnsNothing() {
        assertNull(ShardRing.of(Set.of(), 4).ownerOf(0));
    }
}
