package io.ordo.store;

import java.util.UUID;

/** An aggregate id that belongs to an aggregate of another type. */
public final class AggregateTypeMismatchException extends IllegalArgumentException {

    public AggregateTypeMismatchException(UUID aggregateId, String expectedType, String actualType) {
        super("aggregate " + aggregateId + " is a " + actualType + ", not a " + expectedType);
    }
}
