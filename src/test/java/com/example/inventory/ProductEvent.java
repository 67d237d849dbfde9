package com.example.inventory;

import io.ordo.es.DomainEvent;
import io.ordo.es.EventType;

import java.util.List;

/** What happened to a product: a host application's own event family, stored by Ordo like its own. */
public sealed interface ProductEvent extends DomainEvent {

    List<EventType<? extends ProductEvent>> TYPES = List.of(
            ProductCreated.TYPE, StockReceived.TYPE, StockReserved.TYPE, ProductDiscontinued.TYPE);

    /** Version 2: version 1 called the name {@code title} and had no SKU (see {@link ProductUpcasters}). */
    record ProductCreated(String name, String sku) implements ProductEvent {
        public static final EventType<ProductCreated> TYPE = EventType.of("ProductCreated", 2, ProductCreated.class);

        @Override
        public EventType<ProductCreated> type() {
            return TYPE;
        }
    }

    record StockReceived(int quantity) implements ProductEvent {
        public static final EventType<StockReceived> TYPE = EventType.of("StockReceived", 1, StockReceived.class);

        @Override
        public EventType<StockReceived> type() {
            return TYPE;
        }
    }

    record StockReserved(int quantity) implements ProductEvent {
        public static final EventType<StockReserved> TYPE = EventType.of("StockReserved", 1, StockReserved.class);

        @Override
        public EventType<StockReserved> type() {
            return TYPE;
        }
    }

    record ProductDiscontinued(String reason) implements ProductEvent {
        public static final EventType<ProductDiscontinued> TYPE =
                EventType.of("ProductDiscontinued", 1, ProductDiscontinued.class);

        @Override
        public EventType<ProductDiscontinued> type() {
            return TYPE;
        }
    }
}
