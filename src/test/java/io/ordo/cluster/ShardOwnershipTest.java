package io.ordo.cluster;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardOwnershipTest {

    @Test
    void aHandoverIsSettledOnceEveryTakerReconciledTheCurrentEpoch() {
        ShardOwnership ownership = new ShardOwnership("a", 16, 2);
        ShardOwnership.Snapshot first = ownership.update(Set.of("a"));
        assertEquals(16, first.owned().size(), "alone, a member owns every shard");
        assertFalse(ownership.settled());
        ownership.reconciled("commands-0", first.epoch());
        assertFalse(ownership.settled(), "one taker of two");
        ownership.reconciled("commands-0", first.epoch());
        assertFalse(ownership.settled(), "the same taker twice counts once");
        ownership.reconciled("relay", first.epoch());
        assertTrue(ownership.settled());
        assertEquals(0, ownership.handovers(), "the first ownership is no handover");

        ShardOwnership.Snapshot second = ownership.update(Set.of("a", "b"));
        assertTrue(second.owned().size() < 16 && !second.owned().isEmpty(), "b took some: " + second.owned());
        assertFalse(ownership.settled());
        ownership.reconciled("commands-0", first.epoch());
        ownership.reconciled("relay", first.epoch());
        assertFalse(ownership.settled(), "a reconciliation of an older epoch does not count");
        ownership.reconciled("commands-0", second.epoch());
        ownership.reconciled("relay", second.epoch());
        assertTrue(ownership.settled());
        assertEquals(1, ownership.handovers());
        assertTrue(ownership.lastHandoverMs() >= 0);
    }

    @Test
    void theSameMembersChangeNothing() {
        ShardOwnership ownership = new ShardOwnership("a", 8, 1);
        ownership.update(Set.of("a", "b"));
        assertNull(ownership.update(Set.of("b", "a")));
        assertEquals(1, ownership.current().epoch());
    }

    @Test
    void theStatusNamesTheOwnerOfEveryShard() {
        ShardOwnership ownership = new ShardOwnership("a", 4, 1);
        ownership.update(Set.of("a", "b"));
        var json = ownership.toJson(true);
        assertEquals(4, json.getJsonArray("owners").size());
        assertEquals(2, json.getJsonArray("members").size());
        assertEquals(ownership.current().owned().size(), json.getJsonArray("ownedShards").size());
    }
}
