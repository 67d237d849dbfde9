package io.ordo.store;

import java.util.UUID;

/**
 * The conditional batch timed out: it may or may not have been applied. Callers report it as such
 * (HTTP 503 with a retry hint); the relay publishes the events only if they are in the store.
 */
public final class UnknownOutcomeException extends RuntimeException {

    public UnknownOutcomeException(UUID aggregateId, long expectedVersion, Throwable cause) {
        super("append to aggregate " + aggregateId + " at version " + expectedVersion
                + " has an unknown outcome: " + cause.getMessage(), cause);
    }
}
