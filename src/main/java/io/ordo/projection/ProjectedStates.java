package io.ordo.projection;

import io.ordo.es.Aggregate;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What each projection last wrote of recently projected aggregates (LRU, {@code projections.cacheSize}
 * per projection): the state an event continues. Forgotten at a rebalance, when another instance may
 * have written them meanwhile.
 */
final class ProjectedStates {

    private final int capacity;
    private final Map<String, Map<UUID, Aggregate<?>>> byProjection = new HashMap<>();

    ProjectedStates(int capacity) {
        this.capacity = capacity;
    }

    private Map<UUID, Aggregate<?>> of(String projection) {
        return byProjection.computeIfAbsent(projection, name -> new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, Aggregate<?>> eldest) {
                return size() > capacity;
            }
        });
    }

    @SuppressWarnings("unchecked")
    <S> Aggregate<S> get(String projection, UUID id) {
        return (Aggregate<S>) of(projection).get(id);
    }

    void put(String projection, Aggregate<?> state) {
        of(projection).put(state.id(), state);
    }

    /** Keeps {@code state} unless a later version is known. */
    void putIfNewer(String projection, Aggregate<?> state) {
        Aggregate<?> known = of(projection).get(state.id());
        if (known == null || known.version() < state.version()) {
            put(projection, state);
        }
    }

    void forgetAll() {
        byProjection.values().forEach(Map::clear);
    }
}
