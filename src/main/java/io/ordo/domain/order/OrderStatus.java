package io.ordo.domain.order;

/** Where an order is in its life: CREATED, then CONFIRMED, SHIPPED, DELIVERED; or CANCELLED. */
public enum OrderStatus {
    CREATED,
    CONFIRMED,
    SHIPPED,
    DELIVERED,
    CANCELLED
}
