package io.ordo.domain.order;

import java.util.UUID;

/**
 * One order line.
 *
 * @param unitPrice optional; when present on one line, every line of the order has one, in one currency
 */
public record OrderItem(UUID productId, int quantity, Money unitPrice) {

    public static OrderItem of(UUID productId, int quantity) {
        return new OrderItem(productId, quantity, null);
    }

    /** The line total, or null when the line has no price. */
    public Money lineTotal() {
        return unitPrice == null ? null : unitPrice.times(quantity);
    }
}
