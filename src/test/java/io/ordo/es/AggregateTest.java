package io.ordo.es;

import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderEvent.OrderConfirmed;
import io.ordo.domain.order.OrderEvent.OrderCreated;
import io.ordo.domain.order.OrderEvent.OrderShipped;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderRejection;
import io.ordo.domain.order.OrderState;
import io.ordo.domain.order.OrderStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AggregateTest {

    private final OrderDecider decider = new OrderDecider();
    private final UUID id = UUID.randomUUID();
    private final Instant t0 = Instant.parse("2026-01-01T10:00:00Z");

    private EventEnvelope<OrderEvent> envelope(long sequence, OrderEvent event, Instant at) {
        return new EventEnvelope<>(UUID.randomUUID(), id, OrderDecider.AGGREGATE_TYPE, sequence, event.type().name(),
                event.type().version(), event, null, UUID.randomUUID(), null, at, Map.of());
    }

    private List<EventEnvelope<OrderEvent>> history() {
        return List.of(
                envelope(1, new OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1))), t0),
                envelope(2, new OrderConfirmed(), t0.plusSeconds(60)),
                envelope(3, new OrderShipped("T-9", "UPS"), t0.plusSeconds(120)));
    }

    @Test
    void rebuildsStateVersionAndTimesFromEvents() {
        Aggregate<OrderState> order = Aggregate.rebuild(decider, id, history());

        assertEquals(3, order.version());
        assertEquals(OrderStatus.SHIPPED, order.state().status());
        assertEquals("T-9", order.state().trackingNumber());
        assertEquals(t0, order.createdAt());
        assertEquals(t0.plusSeconds(120), order.updatedAt());
        assertTrue(order.exists());
    }

    @Test
    void anEmptyStreamIsVersionZero() {
        Aggregate<OrderState> order = Aggregate.rebuild(decider, id, List.of());
        assertEquals(0, order.version());
        assertFalse(order.exists());
        assertEquals(OrderState.NONE, order.state());
    }

    @Test
    void aGapIsAnError() {
        List<EventEnvelope<OrderEvent>> events = new ArrayList<>(history());
        events.remove(1);
        StreamIntegrityException e = assertThrows(StreamIntegrityException.class, () -> Aggregate.rebuild(decider, id, events));
        assertTrue(e.getMessage().contains("gap before sequence number 3"), e.getMessage());
    }

    @Test
    void aDuplicateIsAnError() {
        List<EventEnvelope<OrderEvent>> events = new ArrayList<>(history());
        events.add(2, events.get(1));
        StreamIntegrityException e = assertThrows(StreamIntegrityException.class, () -> Aggregate.rebuild(decider, id, events));
        assertTrue(e.getMessage().contains("duplicate or out-of-order sequence number 2"), e.getMessage());
    }

    @Test
    void anOutOfOrderStreamIsAnError() {
        List<EventEnvelope<OrderEvent>> events = new ArrayList<>(history());
        events.add(events.remove(1));
        assertThrows(StreamIntegrityException.class, () -> Aggregate.rebuild(decider, id, events));
    }

    @Test
    void aStreamNotStartingAtOneIsAnError() {
        assertThrows(StreamIntegrityException.class, () -> Aggregate.rebuild(decider, id, history().subList(1, 3)));
    }

    @Test
    void anotherAggregatesEventIsAnError() {
        EventEnvelope<OrderEvent> first = history().get(0);
        EventEnvelope<OrderEvent> foreign = new EventEnvelope<>(first.eventId(), UUID.randomUUID(), first.aggregateType(),
                1, first.eventType(), first.eventVersion(), first.eventData(), null, first.correlationId(), null,
                first.timestamp(), Map.of());
        assertThrows(StreamIntegrityException.class, () -> Aggregate.rebuild(decider, id, List.of(foreign)));
    }

    @Test
    void anotherAggregateTypesEventIsAnError() {
        EventEnvelope<OrderEvent> first = history().get(0);
        EventEnvelope<OrderEvent> customer = new EventEnvelope<>(first.eventId(), id, "Customer", 1, first.eventType(),
                first.eventVersion(), first.eventData(), null, first.correlationId(), null, first.timestamp(), Map.of());
        assertThrows(StreamIntegrityException.class, () -> Aggregate.rebuild(decider, id, List.of(customer)));
    }

    @Test
    void executeNumbersNewEventsAfterTheCurrentVersionAndCarriesTheCommandMetadata() {
        Aggregate<OrderState> order = Aggregate.rebuild(decider, id, history().subList(0, 2));
        UUID user = UUID.randomUUID();
        CommandMetadata metadata = new CommandMetadata(UUID.randomUUID(), UUID.randomUUID(), user, Map.of("source", "test"));
        Instant now = t0.plusSeconds(500);

        var execution = order.execute(decider, new OrderCommand.ShipOrder("T-1", "DHL"), metadata, now);

        var applied = assertInstanceOf(Aggregate.Execution.Applied.class, execution);
        EventEnvelope<?> shipped = (EventEnvelope<?>) applied.events().get(0);
        assertEquals(3, shipped.sequenceNumber());
        assertEquals("OrderShipped", shipped.eventType());
        assertEquals(metadata.commandId(), shipped.causationId());
        assertEquals(metadata.correlationId(), shipped.correlationId());
        assertEquals(user, shipped.userId());
        assertEquals(Map.of("source", "test"), shipped.metadata());
        assertEquals(now, shipped.timestamp());
        assertEquals(3, ((Aggregate<?>) applied.after()).version());
    }

    @Test
    void eventTimestampsNeverGoBackwardsWithinAnAggregate() {
        Aggregate<OrderState> order = Aggregate.rebuild(decider, id, history().subList(0, 2));
        Instant skewedClock = t0; // earlier than the last event, as another writer's clock may be

        var execution = order.execute(decider, new OrderCommand.ShipOrder("T-1", "DHL"), CommandMetadata.system(), skewedClock);

        var applied = assertInstanceOf(Aggregate.Execution.Applied.class, execution);
        assertEquals(t0.plusSeconds(60), ((EventEnvelope<?>) applied.events().get(0)).timestamp());
    }

    @Test
    void envelopeTimestampsKeepMillisecondsAsTheStoreDoes() {
        EventEnvelope<OrderEvent> event = envelope(1, new OrderConfirmed(), Instant.parse("2026-01-01T10:00:00.123456789Z"));
        assertEquals(Instant.parse("2026-01-01T10:00:00.123Z"), event.timestamp());
    }

    @Test
    void executeReturnsARejectionAndNoEvents() {
        Aggregate<OrderState> order = Aggregate.rebuild(decider, id, history());
        var execution = order.execute(decider, new OrderCommand.ConfirmOrder(), CommandMetadata.system(), t0);
        var rejected = assertInstanceOf(Aggregate.Execution.Rejected.class, execution);
        assertEquals(OrderRejection.ORDER_ALREADY_CONFIRMED, rejected.rejection().code());
    }
}
