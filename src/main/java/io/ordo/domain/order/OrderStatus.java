package io.ordo.domain.order;

import java.util.EnumSet;
import java.util.Set;

/** Where an order is in its life: CREATED, then CONFIRMED, SHIPPED, DELIVERED; or CANCELLED. */
public enum OrderStatus {
    CREATED,
    CONFIRMED,
    SHIPPED,
    DELIVERED,
    CANCELLED;

    /** The statuses an order in this one can have had before it (the lifecycle, read backwards). */
    public Set<OrderStatus> earlier() {
        return switch (this) {
            case CREATED -> EnumSet.noneOf(OrderStatus.class);
            case CONFIRMED -> EnumSet.of(CREATED);
            case SHIPPED -> EnumSet.of(CREATED, CONFIRMED);
            case DELIVERED, CANCELLED -> EnumSet.of(CREATED, CONFIRMED, SHIPPED);
        };
    }
}
