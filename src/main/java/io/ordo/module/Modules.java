package io.ordo.module;

import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventRegistry;
import io.ordo.es.EventSerializer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The aggregate modules of one Ordo, by aggregate type, in the order they were registered: what every
 * generic layer is built from (the event registry, the repositories, the topics, the routes, the
 * projections, the metrics). Immutable; checked when built: one module per aggregate type, per
 * collection and per topic, and no event type name twice.
 */
public final class Modules {

    private final Map<String, AggregateModule<?, ?, ?>> byType;
    private final Map<String, String> topics;
    private final EventSerializer serializer;
    private final EnvelopeCodec codec;

    private Modules(Map<String, AggregateModule<?, ?, ?>> byType, Map<String, String> topics, EventSerializer serializer) {
        this.byType = byType;
        this.topics = topics;
        this.serializer = serializer;
        this.codec = new EnvelopeCodec(serializer);
    }

    /**
     * The modules, with the topics of {@code topicOverrides} (the configuration's {@code store.topics}:
     * a type mapped to null has no topic, and its events become the relay's dead letters).
     *
     * @throws IllegalArgumentException for two modules of one aggregate type, collection or topic, or an
     *     event type name registered twice
     */
    public static Modules of(List<? extends AggregateModule<?, ?, ?>> modules, Map<String, String> topicOverrides) {
        Map<String, AggregateModule<?, ?, ?>> byType = new LinkedHashMap<>();
        Set<String> collections = new HashSet<>();
        EventRegistry.Builder registry = EventRegistry.builder();
        for (AggregateModule<?, ?, ?> module : modules) {
            String type = module.decider().aggregateType();
            if (byType.putIfAbsent(type, module) != null) {
                throw new IllegalArgumentException("two modules of aggregate type " + type);
            }
            if (!collections.add(module.collection())) {
                throw new IllegalArgumentException("two modules of collection /" + module.collection());
            }
            registry.register(module.decider().eventTypes());
            module.upcasters().forEach(registry::upcaster);
        }
        Map<String, String> topics = new LinkedHashMap<>();
        Set<String> topicNames = new HashSet<>();
        byType.forEach((type, module) -> {
            String topic = topicOverrides.containsKey(type) ? topicOverrides.get(type) : module.topic();
            if (topic != null) {
                if (!topicNames.add(topic)) {
                    throw new IllegalArgumentException("two aggregate types publish to topic " + topic);
                }
                topics.put(type, topic);
            }
        });
        return new Modules(Collections.unmodifiableMap(byType), Collections.unmodifiableMap(topics),
                new EventSerializer(registry.build()));
    }

    public Collection<AggregateModule<?, ?, ?>> all() {
        return byType.values();
    }

    public Set<String> types() {
        return byType.keySet();
    }

    /** The module of {@code aggregateType}; an unknown one is bad input. */
    public AggregateModule<?, ?, ?> get(String aggregateType) {
        AggregateModule<?, ?, ?> module = byType.get(aggregateType);
        if (module == null) {
            throw new IllegalArgumentException("no module of aggregate type " + aggregateType);
        }
        return module;
    }

    public Optional<AggregateModule<?, ?, ?>> find(String aggregateType) {
        return Optional.ofNullable(byType.get(aggregateType));
    }

    /** The topic of {@code aggregateType}'s events, or null when it has none (or is not registered). */
    public String topicOf(String aggregateType) {
        return topics.get(aggregateType);
    }

    /** Every topic, by aggregate type. */
    public Map<String, String> topics() {
        return topics;
    }

    /** The aggregate type whose events go to {@code topic}, if any. */
    public Optional<String> typeOfTopic(String topic) {
        return topics.entrySet().stream().filter(entry -> entry.getValue().equals(topic)).map(Map.Entry::getKey).findFirst();
    }

    /** Reads and writes every registered event type, upcasting older versions. Thread-safe. */
    public EventSerializer serializer() {
        return serializer;
    }

    /** The JSON envelope of every registered type (HTTP, WebSocket, Kafka). Thread-safe. */
    public EnvelopeCodec codec() {
        return codec;
    }

    /** The types' names, for messages. */
    public List<String> names() {
        return new ArrayList<>(byType.keySet());
    }
}
