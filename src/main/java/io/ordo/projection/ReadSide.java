package io.ordo.projection;

import java.util.List;
import java.util.Map;

/**
 * What a module keeps from its aggregates' events: its projections, and the named queries its routes
 * ask of the read model (run by the store verticle, answering JSON).
 */
public record ReadSide<S>(List<Projection<S>> projections, Map<String, ReadQuery> queries) {

    public ReadSide {
        projections = List.copyOf(projections);
        queries = Map.copyOf(queries);
    }

    public static <S> ReadSide<S> none() {
        return new ReadSide<>(List.of(), Map.of());
    }
}
