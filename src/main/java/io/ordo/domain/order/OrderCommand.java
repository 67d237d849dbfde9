package io.ordo.domain.order;

import java.util.List;
import java.util.UUID;

/** What can be asked of an order. Validation of the contents is the decider's job. */
public sealed interface OrderCommand {

    record CreateOrder(UUID orderId, UUID customerId, List<OrderItem> items) implements OrderCommand {
    }

    /** @param reason optional, why the items changed */
    record UpdateItems(List<OrderItem> items, String reason) implements OrderCommand {
    }

    record ConfirmOrder() implements OrderCommand {
    }

    record ShipOrder(String trackingNumber, String carrier) implements OrderCommand {
    }

    /** @param signature optional, who signed for the delivery */
    record DeliverOrder(String signature) implements OrderCommand {
    }

    /** @param reason optional; @param cancelledBy optional, the user who cancelled */
    record CancelOrder(String reason, UUID cancelledBy) implements OrderCommand {
    }
}
