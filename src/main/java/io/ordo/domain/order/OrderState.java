package io.ordo.domain.order;

import java.util.List;
import java.util.UUID;

/**
 * An order as its events made it. {@link #NONE} is the state before {@code OrderCreated}
 * (status null). Creation and update times live on the surrounding {@link io.ordo.es.Aggregate}.
 */
public record OrderState(
        UUID customerId,
        List<OrderItem> items,
        OrderStatus status,
        String trackingNumber,
        String carrier,
        String deliverySignature,
        String cancelledReason,
        UUID cancelledBy) {

    public static final OrderState NONE = new OrderState(null, List.of(), null, null, null, null, null, null);

    public OrderState {
        items = List.copyOf(items);
    }

    public boolean exists() {
        return status != null;
    }

    /** The sum of the priced lines, or null when the order carries no prices. */
    public Money total() {
        Money total = null;
        for (OrderItem item : items) {
            Money line = item.lineTotal();
            if (line != null) {
                total = total == null ? line : total.plus(line);
            }
        }
        return total;
    }

    public int itemCount() {
        return items.stream().mapToInt(OrderItem::quantity).sum();
    }

    OrderState withItems(List<OrderItem> newItems) {
        return new OrderState(customerId, newItems, status, trackingNumber, carrier, deliverySignature,
                cancelledReason, cancelledBy);
    }

    OrderState withStatus(OrderStatus newStatus) {
        return new OrderState(customerId, items, newStatus, trackingNumber, carrier, deliverySignature,
                cancelledReason, cancelledBy);
    }
}
