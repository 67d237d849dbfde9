package io.ordo.es;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A domain event with everything needed to store, trace and publish it. The same fields are
 * the {@code event_store} columns, the Kafka value and the HTTP/WebSocket frame.
 *
 * @param causationId   the command (or event) that caused this event; may be null
 * @param userId        who triggered it; may be null
 * @param timestamp     to the millisecond, the precision the store keeps, so that an envelope reads
 *                      back exactly as it was written
 */
public record EventEnvelope<E extends DomainEvent>(
        UUID eventId,
        UUID aggregateId,
        String aggregateType,
        long sequenceNumber,
        String eventType,
        int eventVersion,
        E eventData,
        UUID causationId,
        UUID correlationId,
        UUID userId,
        Instant timestamp,
        Map<String, String> metadata) {

    public EventEnvelope {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(eventData, "eventData");
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(timestamp, "timestamp");
        if (sequenceNumber < 1) {
            throw new IllegalArgumentException("sequenceNumber must be >= 1, was " + sequenceNumber);
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        timestamp = timestamp.truncatedTo(ChronoUnit.MILLIS);
    }

    /** Wraps a freshly decided event; its type and version come from the event itself. */
    public static <E extends DomainEvent> EventEnvelope<E> wrap(
            E event, UUID aggregateId, String aggregateType, long sequenceNumber, CommandMetadata command, Instant at) {
        return new EventEnvelope<>(UUID.randomUUID(), aggregateId, aggregateType, sequenceNumber,
                event.type().name(), event.type().version(), event,
                command.commandId(), command.correlationId(), command.userId(), at, command.metadata());
    }
}
