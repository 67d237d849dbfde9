package io.ordo.es;

/**
 * A fact that happened to an aggregate. Events are plain immutable records; each names its
 * {@link EventType} so that the stable type name and schema version travel with it.
 */
public interface DomainEvent {

    EventType<?> type();
}
