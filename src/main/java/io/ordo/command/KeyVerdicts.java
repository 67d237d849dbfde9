package io.ordo.command;

import io.ordo.store.IdempotencyKeys.KeyClaim;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * What a command with an {@code Idempotency-Key} does, given the claim it found under its key: pure,
 * so that the rules are unit-tested. Every retry of a key resolves to its first run's outcome, on any
 * instance: the first run's claim is recorded before it is decided and completed once its outcome is
 * known; a claim whose outcome is unknown (its commit timed out), or whose instance died while it ran
 * (older than the lease), is settled from the aggregate's stream, where its events carry its command id.
 */
final class KeyVerdicts {

    private KeyVerdicts() {
    }

    sealed interface Verdict {
        /** The claim is this command's: decide it. */
        record Run() implements Verdict {
        }

        /** The key's first run is done: answer what it got. */
        record Replay(String outcome) implements Verdict {
        }

        /** The key was used for another request. */
        record Reused() implements Verdict {
        }

        /** The key's first run is still running (elsewhere, or on this instance): the client retries later. */
        record InProgress() implements Verdict {
        }

        /** The first run's outcome is to be read from the stream: committed or not, then replay or take over. */
        record Settle(KeyClaim claim) implements Verdict {
        }
    }

    /**
     * @param found the claim already under the key, or null when this command's claim was made
     * @param lease how long a running claim is trusted before its instance is taken for dead
     */
    static Verdict of(KeyClaim found, UUID aggregateId, String requestHash, Instant now, Duration lease) {
        if (found == null) {
            return new Verdict.Run();
        }
        if (!requestHash.equals(found.requestHash()) || !aggregateId.equals(found.aggregateId())) {
            return new Verdict.Reused();
        }
        return switch (found.status()) {
            case DONE -> new Verdict.Replay(found.outcome());
            case UNKNOWN -> new Verdict.Settle(found);
            case PENDING -> found.claimedAt() == null || found.commandId() == null
                    || found.claimedAt().plus(lease).isBefore(now) ? new Verdict.Settle(found) : new Verdict.InProgress();
        };
    }
}
