package io.ordo.projection;

import io.ordo.module.Modules;
import io.ordo.store.AggregateRepository;
import io.ordo.store.Store;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The projections of every module's read side, by name and by aggregate type (a type may have several). */
final class Projections {

    private final Store store;
    private final Modules modules;
    private final Map<String, Projection<?>> byName = new LinkedHashMap<>();
    private final Map<String, List<Projection<?>>> byType = new LinkedHashMap<>();

    Projections(Store store, Modules modules) {
        this.store = store;
        this.modules = modules;
        store.readSides().values().forEach(side -> side.projections().forEach(projection -> {
            if (byName.putIfAbsent(projection.name(), projection) != null) {
                throw new IllegalArgumentException("two projections are named " + projection.name());
            }
            byType.computeIfAbsent(projection.aggregateType(), type -> new ArrayList<>()).add(projection);
        }));
    }

    Collection<Projection<?>> all() {
        return byName.values();
    }

    Set<String> names() {
        return byName.keySet();
    }

    /** The projection named {@code name}, or null. */
    Projection<?> named(String name) {
        return byName.get(name);
    }

    /** The projections of {@code aggregateType}'s events (none: its events are skipped). */
    List<Projection<?>> of(String aggregateType) {
        return byType.getOrDefault(aggregateType, List.of());
    }

    /** The projections of the events on {@code topic}. */
    List<Projection<?>> ofTopic(String topic) {
        return modules.typeOfTopic(topic).map(this::of).orElse(List.of());
    }

    /** The topics of the types that have projections. */
    Set<String> topics() {
        Set<String> topics = new LinkedHashSet<>();
        byType.keySet().forEach(type -> {
            String topic = modules.topicOf(type);
            if (topic != null) {
                topics.add(topic);
            }
        });
        return topics;
    }

    @SuppressWarnings("unchecked")
    <S> AggregateRepository<S, ?, ?> repository(Projection<S> projection) {
        return (AggregateRepository<S, ?, ?>) store.repository(projection.aggregateType());
    }

    /** Whether the event store holds a stream of the projection's aggregate type under {@code id}. */
    Future<Boolean> hasStream(Projection<?> projection, UUID id) {
        return store.events().head(id)
                .map(head -> head.version() > 0 && projection.aggregateType().equals(head.aggregateType()));
    }
}
