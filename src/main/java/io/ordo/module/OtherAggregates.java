package io.ordo.module;

import io.ordo.es.Aggregate;
import io.vertx.core.Future;

import java.util.Optional;
import java.util.UUID;

/** Reads aggregates of any registered type, for a rule that looks across aggregates. */
@FunctionalInterface
public interface OtherAggregates {

    /** The aggregate of {@code aggregateType} with {@code id} as it is now; empty if there is none (or it is of another type). */
    Future<Optional<Aggregate<?>>> load(String aggregateType, UUID id);
}
