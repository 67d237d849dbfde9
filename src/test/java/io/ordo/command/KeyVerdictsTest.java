package io.ordo.command;

import io.ordo.command.KeyVerdicts.Verdict;
import io.ordo.store.IdempotencyKeys.KeyClaim;
import io.ordo.store.IdempotencyKeys.Status;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class KeyVerdictsTest {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final UUID AGGREGATE = UUID.randomUUID();

    private static KeyClaim found(Status status, Instant claimedAt, String outcome) {
        return new KeyClaim("k", AGGREGATE, "ConfirmOrder", "hash", UUID.randomUUID(), status, 4, outcome, claimedAt);
    }

    @Test
    void aClaimMadeNowIsRun() {
        assertInstanceOf(Verdict.Run.class, KeyVerdicts.of(null, AGGREGATE, "hash", NOW, LEASE));
    }

    @Test
    void aDoneClaimIsReplayedWithItsOutcome() {
        Verdict verdict = KeyVerdicts.of(found(Status.DONE, NOW.minusSeconds(600), "{\"version\":5}"), AGGREGATE, "hash", NOW, LEASE);
        assertEquals(new Verdict.Replay("{\"version\":5}"), verdict);
    }

    @Test
    void aKeyUsedForAnotherRequestOrAggregateIsReused() {
        KeyClaim done = found(Status.DONE, NOW, "{}");
        assertInstanceOf(Verdict.Reused.class, KeyVerdicts.of(done, AGGREGATE, "other-hash", NOW, LEASE));
        assertInstanceOf(Verdict.Reused.class, KeyVerdicts.of(done, UUID.randomUUID(), "hash", NOW, LEASE));
        assertInstanceOf(Verdict.Reused.class, KeyVerdicts.of(found(Status.PENDING, NOW, null), AGGREGATE, "other-hash", NOW, LEASE),
                "even while the first run runs");
    }

    @Test
    void aRunningClaimWithinItsLeaseIsInProgress() {
        assertInstanceOf(Verdict.InProgress.class,
                KeyVerdicts.of(found(Status.PENDING, NOW.minusSeconds(29), null), AGGREGATE, "hash", NOW, LEASE));
    }

    @Test
    void aRunningClaimPastItsLeaseIsSettledFromTheStream() {
        KeyClaim dead = found(Status.PENDING, NOW.minusSeconds(31), null);
        assertEquals(new Verdict.Settle(dead), KeyVerdicts.of(dead, AGGREGATE, "hash", NOW, LEASE));
    }

    @Test
    void aClaimWhoseOutcomeIsUnknownIsSettledAtOnce() {
        KeyClaim unknown = found(Status.UNKNOWN, NOW, null);
        assertEquals(new Verdict.Settle(unknown), KeyVerdicts.of(unknown, AGGREGATE, "hash", NOW, LEASE));
    }

    @Test
    void aClaimWithoutItsStampIsSettled() {
        KeyClaim partial = new KeyClaim("k", AGGREGATE, "ConfirmOrder", "hash", null, Status.PENDING, 0, null, null);
        assertInstanceOf(Verdict.Settle.class, KeyVerdicts.of(partial, AGGREGATE, "hash", NOW, LEASE));
    }
}
