package io.ordo.store;

import io.ordo.es.DomainEvent;
import io.ordo.es.EventEnvelope;

import java.util.UUID;

/** A row of an event stream as the relay reads it: an envelope, or what is known of an event this build cannot read. */
public sealed interface StoredEvent {

    long sequenceNumber();

    record Readable(EventEnvelope<DomainEvent> envelope) implements StoredEvent {
        @Override
        public long sequenceNumber() {
            return envelope.sequenceNumber();
        }
    }

    /** An event whose type or version this build does not know, or whose payload it cannot read. */
    record Unreadable(UUID aggregateId, String aggregateType, long sequenceNumber, UUID eventId, String eventType,
                      int eventVersion, String error) implements StoredEvent {
    }
}
