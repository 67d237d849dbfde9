package io.ordo.store;

import io.ordo.domain.order.OrderStatus;
import io.ordo.es.Aggregate;
import io.ordo.es.EventEnvelope;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** What the {@link StoreVerticle} is asked over the event bus; each record says what it answers. */
public sealed interface StoreRequest {

    /** Answers an {@link AppendResult}. */
    record Append(String aggregateType, UUID aggregateId, long expectedVersion, List<EventEnvelope<?>> events)
            implements StoreRequest {
    }

    /** Answers the {@link Aggregate} now, at {@code version} or at {@code at} (both null: now). */
    record Load(String aggregateType, UUID aggregateId, Long version, Instant at) implements StoreRequest {
    }

    /** Answers the stream's {@link EventStore.StreamHead}: its version and aggregate type. */
    record Head(UUID aggregateId) implements StoreRequest {
    }

    /** Answers nothing; a failure is logged by the store. */
    record Snapshot(Aggregate<?> aggregate) implements StoreRequest {
    }

    /** Answers an {@link EventPage}: up to {@code limit} events from {@code from}. */
    record Events(UUID aggregateId, long from, int limit) implements StoreRequest {
    }

    /** Answers the {@link ProcessedCommands.ProcessedCommand} under the key, or null. */
    record FindCommand(String key) implements StoreRequest {
    }

    /** Answers nothing. */
    record RecordCommand(ProcessedCommands.ProcessedCommand command) implements StoreRequest {
    }

    /** Answers an {@link EmailReservations.Reservation}. */
    record ReserveEmail(String email, UUID customerId) implements StoreRequest {
    }

    /** Answers nothing. */
    record ReleaseEmail(String email, UUID customerId) implements StoreRequest {
    }

    /** Answers the read model's {@link ReadModelStore.OrderSummary} or {@link ReadModelStore.CustomerSummary}, or null. */
    record Summary(String aggregateType, UUID aggregateId) implements StoreRequest {
    }

    /** Answers a {@link ReadModelStore.OrderPage}; see {@link ReadModelStore#orders} for the filters. */
    record ListOrders(UUID customerId, OrderStatus status, int limit, String cursor) implements StoreRequest {
    }

    /** A page of a stream; {@code next} is the version to ask for next, or null at the end. */
    record EventPage(List<EventEnvelope<?>> events, Long next) {
    }
}
