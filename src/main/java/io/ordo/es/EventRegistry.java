package io.ordo.es;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every event type the application knows, by stable name, with the upcasters that bring older
 * stored versions up to the current one. Immutable once built.
 */
public final class EventRegistry {

    private final Map<String, EventType<?>> typesByName;
    private final Map<String, Upcaster> upcastersByStep;

    private EventRegistry(Map<String, EventType<?>> typesByName, Map<String, Upcaster> upcastersByStep) {
        this.typesByName = Map.copyOf(typesByName);
        this.upcastersByStep = Map.copyOf(upcastersByStep);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The type stored under {@code name}; an unknown name is an error naming it. */
    public EventType<?> type(String name) {
        EventType<?> type = typesByName.get(name);
        if (type == null) {
            throw new EventSerializationException("unknown event type '" + name + "'");
        }
        return type;
    }

    public Collection<EventType<?>> types() {
        return typesByName.values();
    }

    /**
     * The upcasters that take a stored {@code version} of {@code type} to its current version, in
     * order; empty when the version is current. A version newer than this build, or a missing step,
     * is an error.
     */
    public List<Upcaster> upcastChain(EventType<?> type, int version) {
        if (version == type.version()) {
            return List.of();
        }
        if (version > type.version() || version < 1) {
            throw new EventSerializationException("unknown version " + version + " of event type '" + type.name()
                    + "' (this build knows versions up to " + type.version() + ")");
        }
        List<Upcaster> chain = new ArrayList<>(type.version() - version);
        for (int v = version; v < type.version(); v++) {
            Upcaster step = upcastersByStep.get(stepKey(type.name(), v));
            if (step == null) {
                throw new EventSerializationException("no upcaster for event type '" + type.name() + "' from version "
                        + v + " to " + (v + 1));
            }
            chain.add(step);
        }
        return chain;
    }

    private static String stepKey(String typeName, int fromVersion) {
        return typeName + "@" + fromVersion;
    }

    public static final class Builder {
        private final Map<String, EventType<?>> types = new HashMap<>();
        private final Map<String, Upcaster> upcasters = new HashMap<>();

        public Builder register(Collection<? extends EventType<?>> eventTypes) {
            eventTypes.forEach(this::register);
            return this;
        }

        public Builder register(EventType<?> type) {
            EventType<?> previous = types.putIfAbsent(type.name(), type);
            if (previous != null && !previous.equals(type)) {
                throw new IllegalArgumentException("event type name '" + type.name() + "' is registered twice: "
                        + previous.javaType().getName() + " and " + type.javaType().getName());
            }
            return this;
        }

        public Builder upcaster(Upcaster upcaster) {
            String key = stepKey(upcaster.eventType(), upcaster.fromVersion());
            if (upcasters.putIfAbsent(key, upcaster) != null) {
                throw new IllegalArgumentException("two upcasters for event type '" + upcaster.eventType()
                        + "' from version " + upcaster.fromVersion());
            }
            return this;
        }

        public EventRegistry build() {
            for (Upcaster upcaster : upcasters.values()) {
                EventType<?> type = types.get(upcaster.eventType());
                if (type == null || upcaster.fromVersion() < 1 || upcaster.fromVersion() >= type.version()) {
                    throw new IllegalArgumentException("upcaster for '" + upcaster.eventType() + "' from version "
                            + upcaster.fromVersion() + " matches no older version of a registered event type");
                }
            }
            return new EventRegistry(types, upcasters);
        }
    }
}
