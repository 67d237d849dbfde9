package io.ordo.outbox;

import java.util.UUID;

/**
 * Word that an event may have been committed at {@code sequenceNumber} of an aggregate: from the
 * store right after a commit (the fast path) or from an outbox intent found by a source. A hint is
 * never trusted: the relay checks it against the event store. {@code eventTimeMs} is the best durable
 * time of the hinted events (the event's timestamp, or the outbox intent's write time, just before the
 * commit): the relay's backlog age counts from it.
 */
public record OutboxHint(UUID aggregateId, long sequenceNumber, UUID eventId, long eventTimeMs) {
}
