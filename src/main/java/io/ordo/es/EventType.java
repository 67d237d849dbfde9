package io.ordo.es;

import java.util.Objects;

/**
 * The stable identity of one kind of event: the name stored beside it and the schema version
 * new events are written with. Renaming a Java class never changes what is in the store.
 *
 * @param name     stable name, e.g. {@code OrderCreated}
 * @param version  the current schema version (older stored versions are upcast on read)
 * @param javaType the record that holds the current version's payload
 */
public record EventType<E extends DomainEvent>(String name, int version, Class<E> javaType) {

    public EventType {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(javaType, "javaType");
        if (name.isBlank()) {
            throw new IllegalArgumentException("event type name must not be blank");
        }
        if (version < 1) {
            throw new IllegalArgumentException("event type " + name + ": version must be >= 1, was " + version);
        }
    }

    public static <E extends DomainEvent> EventType<E> of(String name, int version, Class<E> javaType) {
        return new EventType<>(name, version, javaType);
    }
}
