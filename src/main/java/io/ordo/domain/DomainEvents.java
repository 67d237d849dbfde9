package io.ordo.domain;

import io.ordo.domain.customer.CustomerEvent;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderUpcasters;
import io.ordo.es.EventRegistry;

/** The registry of every event type Ordo stores, with their upcasters. */
public final class DomainEvents {

    private DomainEvents() {
    }

    public static EventRegistry registry() {
        EventRegistry.Builder builder = EventRegistry.builder()
                .register(OrderEvent.TYPES)
                .register(CustomerEvent.TYPES);
        OrderUpcasters.all().forEach(builder::upcaster);
        return builder.build();
    }
}
