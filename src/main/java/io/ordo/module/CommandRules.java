package io.ordo.module;

import io.ordo.es.DomainEvent;
import io.ordo.es.Rejection;
import io.vertx.core.Future;

import java.util.List;
import java.util.UUID;

/**
 * Rules of an aggregate type that look across aggregates, which the generic command processor asks
 * at their moment: a precondition before a command is decided (an order's customer exists and is
 * active), and values unique across the type's aggregates that its events claim (a customer's email).
 */
public interface CommandRules<S, C, E extends DomainEvent> {

    /**
     * Asked before {@code command} is decided for aggregate {@code id}: a rejection, or null to decide
     * it. {@code others} reads other aggregates (through the store); a failure is the store's.
     */
    default Future<Rejection> precondition(C command, UUID id, OtherAggregates others) {
        return Future.succeededFuture(null);
    }

    /** The values unique across this type's aggregates that its events claim. */
    default List<UniqueValue<S, E>> uniqueValues() {
        return List.of();
    }

    static <S, C, E extends DomainEvent> CommandRules<S, C, E> none() {
        return new CommandRules<>() {
        };
    }
}
