package io.ordo.store;

import io.ordo.store.UniqueValues.Claim;
import io.ordo.store.UniqueValues.Holder;
import io.ordo.testing.StoreFixture;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UniqueValuesIT {

    private static final String SCOPE = "customer-email";

    private static StoreFixture fixture;
    private static UniqueValues values;

    @BeforeAll
    static void start() {
        fixture = StoreFixture.create(UniqueValuesIT.class, 100);
        values = fixture.store.uniqueValues();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static Claim claim(UUID owner, long version) {
        return new Claim(owner, UUID.randomUUID(), version);
    }

    private static String fresh() {
        return "v-" + UUID.randomUUID() + "@example.com";
    }

    @Test
    void aValueBelongsToOneOwnerAtATime() {
        Claim ann = claim(UUID.randomUUID(), 0);
        Claim bob = claim(UUID.randomUUID(), 0);
        String email = fresh();

        assertNull(await(values.reserve(SCOPE, email, ann)), "reserved");
        Holder held = await(values.reserve(SCOPE, email, bob));
        assertEquals(ann.owner(), held.owner(), "a held value is refused, and its holder shown");
        assertEquals(ann.claimId(), held.claimId());

        assertFalse(await(values.release(SCOPE, email, bob)), "only the holder releases");
        assertFalse(await(values.release(SCOPE, email, claim(ann.owner(), 0))), "only with the claim that stamped it last");
        assertTrue(await(values.release(SCOPE, email, ann)));
        assertNull(await(values.reserve(SCOPE, email, bob)));
    }

    @Test
    void scopesAreApart() {
        String value = fresh();
        assertNull(await(values.reserve("one", value, claim(UUID.randomUUID(), 0))));
        assertNull(await(values.reserve("two", value, claim(UUID.randomUUID(), 0))));
    }

    @Test
    void aTakeOverSucceedsOnlyFromTheClaimSeen() {
        Claim ann = claim(UUID.randomUUID(), 1);
        String email = fresh();
        await(values.reserve(SCOPE, email, ann));
        Holder seen = await(values.reserve(SCOPE, email, claim(UUID.randomUUID(), 0)));

        Claim bob = claim(UUID.randomUUID(), 4);
        assertTrue(await(values.takeOver(SCOPE, email, seen, bob)));
        assertFalse(await(values.takeOver(SCOPE, email, seen, claim(UUID.randomUUID(), 0))), "ann's claim is gone");
        Holder now = await(values.reserve(SCOPE, email, claim(UUID.randomUUID(), 0)));
        assertEquals(bob.owner(), now.owner());
        assertEquals(4, now.claimVersion());
    }

    @Test
    void aValueMovedAwayFromIsFreedUnlessAClaimAtThatVersionOrLaterStampedIt() {
        UUID ann = UUID.randomUUID();
        String email = fresh();
        await(values.reserve(SCOPE, email, claim(ann, 0)));
        // ann moved away at version 2, and a command decided on version 2 claims the value back meanwhile
        Holder first = await(values.reserve(SCOPE, email, claim(ann, 0)));
        assertTrue(await(values.takeOver(SCOPE, email, first, claim(ann, 2))));

        assertFalse(await(values.releaseUnlessClaimedSince(SCOPE, email, ann, 2)), "the change back keeps it");
        assertEquals(ann, await(values.reserve(SCOPE, email, claim(UUID.randomUUID(), 0))).owner());

        assertTrue(await(values.releaseUnlessClaimedSince(SCOPE, email, ann, 3)), "moved away again at version 3");
        assertFalse(await(values.releaseUnlessClaimedSince(SCOPE, fresh(), ann, 3)), "nothing to free");
    }

    @Test
    void ofManyConcurrentClaimsExactlyOneWins() {
        String email = fresh();
        List<Future<Holder>> claims = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            claims.add(values.reserve(SCOPE, email, claim(UUID.randomUUID(), 0)));
        }
        List<Holder> seen = claims.stream().map(StoreFixture::await).toList();
        assertEquals(1, seen.stream().filter(Objects::isNull).count());
        assertEquals(1, seen.stream().filter(Objects::nonNull).map(Holder::claimId).distinct().count(),
                "every loser sees the one winner");
    }
}
