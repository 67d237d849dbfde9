package io.ordo.store;

import io.ordo.store.IdempotencyKeys.KeyClaim;
import io.ordo.store.IdempotencyKeys.Status;
import io.ordo.testing.StoreFixture;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdempotencyKeysIT {

    private static StoreFixture fixture;
    private static IdempotencyKeys keys;

    @BeforeAll
    static void start() {
        fixture = StoreFixture.create(IdempotencyKeysIT.class, 100);
        keys = fixture.store.idempotencyKeys();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static KeyClaim claim(String key, UUID commandId) {
        return new KeyClaim(key, UUID.randomUUID(), "ConfirmOrder", "hash", commandId, Status.PENDING, 3, null, Instant.now());
    }

    @Test
    void aKeyIsClaimedOnceAndItsClaimShownToEveryRetry() {
        String key = "k-" + UUID.randomUUID();
        KeyClaim first = claim(key, UUID.randomUUID());
        assertNull(await(keys.claim(first)));

        KeyClaim found = await(keys.claim(claim(key, UUID.randomUUID())));
        assertEquals(first.commandId(), found.commandId());
        assertEquals(Status.PENDING, found.status());
        assertEquals(3, found.baseVersion());
        assertEquals(first.aggregateId(), found.aggregateId());
    }

    @Test
    void onlyTheClaimerCompletesAndTheOutcomeIsKept() {
        String key = "k-" + UUID.randomUUID();
        KeyClaim first = claim(key, UUID.randomUUID());
        await(keys.claim(first));

        assertFalse(await(keys.complete(key, UUID.randomUUID(), "{}")), "another command cannot complete it");
        assertTrue(await(keys.complete(key, first.commandId(), "{\"status\":200}")));
        KeyClaim found = await(keys.claim(claim(key, UUID.randomUUID())));
        assertEquals(Status.DONE, found.status());
        assertEquals("{\"status\":200}", found.outcome());
    }

    @Test
    void aTakeOverReplacesOnlyTheClaimItSaw() {
        String key = "k-" + UUID.randomUUID();
        KeyClaim dead = claim(key, UUID.randomUUID());
        await(keys.claim(dead));
        assertTrue(await(keys.markUnknown(key, dead.commandId())));
        assertEquals(Status.UNKNOWN, await(keys.claim(claim(key, UUID.randomUUID()))).status());

        KeyClaim second = claim(key, UUID.randomUUID());
        KeyClaim third = claim(key, UUID.randomUUID());
        assertTrue(await(keys.takeOver(second, dead.commandId())));
        assertFalse(await(keys.takeOver(third, dead.commandId())), "the claim it saw is gone");
        KeyClaim found = await(keys.claim(claim(key, UUID.randomUUID())));
        assertEquals(second.commandId(), found.commandId());
        assertEquals(Status.PENDING, found.status());

        assertFalse(await(keys.release(key, dead.commandId())));
        assertTrue(await(keys.release(key, second.commandId())));
        assertNull(await(keys.claim(third)), "a released key is claimed afresh");
    }

    @Test
    void ofManyConcurrentClaimsExactlyOneWins() {
        String key = "race-" + UUID.randomUUID();
        List<Future<KeyClaim>> claims = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            claims.add(keys.claim(claim(key, UUID.randomUUID())));
        }
        List<KeyClaim> seen = claims.stream().map(StoreFixture::await).toList();
        assertEquals(1, seen.stream().filter(Objects::isNull).count());
        assertEquals(1, seen.stream().filter(Objects::nonNull).map(KeyClaim::commandId).distinct().count());
    }
}
