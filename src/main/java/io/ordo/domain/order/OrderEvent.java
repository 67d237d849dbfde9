package io.ordo.domain.order;

import io.ordo.es.DomainEvent;
import io.ordo.es.EventType;

import java.util.List;
import java.util.UUID;

/**
 * What happened to an order. Each record names its stable {@link EventType}; a change to a
 * payload's shape bumps that version and ships an upcaster (see {@link OrderUpcasters}).
 */
public sealed interface OrderEvent extends DomainEvent {

    List<EventType<? extends OrderEvent>> TYPES = List.of(
            OrderCreated.TYPE, OrderItemsUpdated.TYPE, OrderConfirmed.TYPE,
            OrderShipped.TYPE, OrderDelivered.TYPE, OrderCancelled.TYPE);

    /** Version 2: unit prices became {@link Money} (v1 stored a flat {@code unitPriceCents} in USD). */
    record OrderCreated(UUID customerId, List<OrderItem> items) implements OrderEvent {
        public static final EventType<OrderCreated> TYPE = EventType.of("OrderCreated", 2, OrderCreated.class);

        public OrderCreated {
            items = List.copyOf(items);
        }

        @Override
        public EventType<OrderCreated> type() {
            return TYPE;
        }
    }

    record OrderItemsUpdated(List<OrderItem> items, String reason) implements OrderEvent {
        public static final EventType<OrderItemsUpdated> TYPE =
                EventType.of("OrderItemsUpdated", 1, OrderItemsUpdated.class);

        public OrderItemsUpdated {
            items = List.copyOf(items);
        }

        @Override
        public EventType<OrderItemsUpdated> type() {
            return TYPE;
        }
    }

    record OrderConfirmed() implements OrderEvent {
        public static final EventType<OrderConfirmed> TYPE = EventType.of("OrderConfirmed", 1, OrderConfirmed.class);

        @Override
        public EventType<OrderConfirmed> type() {
            return TYPE;
        }
    }

    record OrderShipped(String trackingNumber, String carrier) implements OrderEvent {
        public static final EventType<OrderShipped> TYPE = EventType.of("OrderShipped", 1, OrderShipped.class);

        @Override
        public EventType<OrderShipped> type() {
            return TYPE;
        }
    }

    record OrderDelivered(String signature) implements OrderEvent {
        public static final EventType<OrderDelivered> TYPE = EventType.of("OrderDelivered", 1, OrderDelivered.class);

        @Override
        public EventType<OrderDelivered> type() {
            return TYPE;
        }
    }

    record OrderCancelled(String reason, UUID cancelledBy) implements OrderEvent {
        public static final EventType<OrderCancelled> TYPE = EventType.of("OrderCancelled", 1, OrderCancelled.class);

        @Override
        public EventType<OrderCancelled> type() {
            return TYPE;
        }
    }
}
