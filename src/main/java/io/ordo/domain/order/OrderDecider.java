package io.ordo.domain.order;

import io.ordo.domain.order.OrderCommand.CancelOrder;
import io.ordo.domain.order.OrderCommand.ConfirmOrder;
import io.ordo.domain.order.OrderCommand.CreateOrder;
import io.ordo.domain.order.OrderCommand.DeliverOrder;
import io.ordo.domain.order.OrderCommand.ShipOrder;
import io.ordo.domain.order.OrderCommand.UpdateItems;
import io.ordo.domain.order.OrderEvent.OrderCancelled;
import io.ordo.domain.order.OrderEvent.OrderConfirmed;
import io.ordo.domain.order.OrderEvent.OrderCreated;
import io.ordo.domain.order.OrderEvent.OrderDelivered;
import io.ordo.domain.order.OrderEvent.OrderItemsUpdated;
import io.ordo.domain.order.OrderEvent.OrderShipped;
import io.ordo.es.Decider;
import io.ordo.es.Decision;
import io.ordo.es.EventType;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.ordo.domain.order.OrderRejection.*;

/**
 * The order's business rules. An order is created with items, may change its items until it is
 * confirmed, is then shipped and delivered in that order, and may be cancelled at any point before
 * delivery. A cancelled order accepts nothing more.
 */
public final class OrderDecider implements Decider<OrderState, OrderCommand, OrderEvent> {

    public static final String AGGREGATE_TYPE = "Order";
    public static final int MAX_ITEMS = 100;
    public static final int MAX_QUANTITY = 10_000;
    public static final int MAX_TEXT = 500;
    public static final int MAX_SHIPPING_FIELD = 100;

    @Override
    public String aggregateType() {
        return AGGREGATE_TYPE;
    }

    @Override
    public List<EventType<? extends OrderEvent>> eventTypes() {
        return OrderEvent.TYPES;
    }

    @Override
    public Class<OrderEvent> eventClass() {
        return OrderEvent.class;
    }

    @Override
    public Class<OrderCommand> commandClass() {
        return OrderCommand.class;
    }

    @Override
    public Class<OrderState> stateClass() {
        return OrderState.class;
    }

    @Override
    public OrderState initialState() {
        return OrderState.NONE;
    }

    @Override
    public Decision<OrderEvent> decide(OrderState state, OrderCommand command) {
        if (command instanceof CreateOrder create) {
            return create(state, create);
        }
        if (!state.exists()) {
            return Decision.reject(ORDER_NOT_FOUND, "order does not exist");
        }
        if (state.status() == OrderStatus.CANCELLED) {
            return Decision.reject(ORDER_CANCELLED, "order is cancelled and accepts no further command");
        }
        if (command instanceof UpdateItems update) {
            return updateItems(state, update);
        }
        if (command instanceof ConfirmOrder) {
            return confirm(state);
        }
        if (command instanceof ShipOrder ship) {
            return ship(state, ship);
        }
        if (command instanceof DeliverOrder deliver) {
            return deliver(state, deliver);
        }
        if (command instanceof CancelOrder cancel) {
            return cancel(state, cancel);
        }
        throw new IllegalArgumentException("unknown order command " + command);
    }

    @Override
    public OrderState evolve(OrderState state, OrderEvent event) {
        if (event instanceof OrderCreated created) {
            return new OrderState(created.customerId(), created.items(), OrderStatus.CREATED,
                    null, null, null, null, null);
        }
        if (event instanceof OrderItemsUpdated updated) {
            return state.withItems(updated.items());
        }
        if (event instanceof OrderConfirmed) {
            return state.withStatus(OrderStatus.CONFIRMED);
        }
        if (event instanceof OrderShipped shipped) {
            return new OrderState(state.customerId(), state.items(), OrderStatus.SHIPPED,
                    shipped.trackingNumber(), shipped.carrier(), null, null, null);
        }
        if (event instanceof OrderDelivered delivered) {
            return new OrderState(state.customerId(), state.items(), OrderStatus.DELIVERED,
                    state.trackingNumber(), state.carrier(), delivered.signature(), null, null);
        }
        if (event instanceof OrderCancelled cancelled) {
            return new OrderState(state.customerId(), state.items(), OrderStatus.CANCELLED,
                    state.trackingNumber(), state.carrier(), null, cancelled.reason(), cancelled.cancelledBy());
        }
        throw new IllegalArgumentException("unknown order event " + event);
    }

    private Decision<OrderEvent> create(OrderState state, CreateOrder command) {
        if (state.exists()) {
            return Decision.reject(ORDER_ALREADY_EXISTS, "order already exists");
        }
        if (command.customerId() == null) {
            return Decision.reject(ORDER_CUSTOMER_REQUIRED, "an order needs a customer id");
        }
        Decision<OrderEvent> invalid = validateItems(command.items());
        if (invalid != null) {
            return invalid;
        }
        return Decision.accept(new OrderCreated(command.customerId(), command.items()));
    }

    private Decision<OrderEvent> updateItems(OrderState state, UpdateItems command) {
        if (state.status() != OrderStatus.CREATED) {
            return Decision.reject(ORDER_NOT_MODIFIABLE,
                    "items cannot change once the order is " + state.status().name().toLowerCase());
        }
        Decision<OrderEvent> invalid = validateItems(command.items());
        if (invalid == null) {
            invalid = tooLong("reason", command.reason(), MAX_TEXT);
        }
        if (invalid != null) {
            return invalid;
        }
        return Decision.accept(new OrderItemsUpdated(command.items(), command.reason()));
    }

    private Decision<OrderEvent> confirm(OrderState state) {
        return switch (state.status()) {
            case CREATED -> Decision.accept(new OrderConfirmed());
            case CONFIRMED -> Decision.reject(ORDER_ALREADY_CONFIRMED, "order is already confirmed");
            default -> Decision.reject(ORDER_ALREADY_CONFIRMED,
                    "order was confirmed and is now " + state.status().name().toLowerCase());
        };
    }

    private Decision<OrderEvent> ship(OrderState state, ShipOrder command) {
        if (state.status() == OrderStatus.CREATED) {
            return Decision.reject(ORDER_NOT_CONFIRMED, "an order must be confirmed before it ships");
        }
        if (state.status() != OrderStatus.CONFIRMED) {
            return Decision.reject(ORDER_ALREADY_SHIPPED, "order has already shipped");
        }
        if (isBlank(command.trackingNumber())) {
            return Decision.reject(SHIPMENT_TRACKING_REQUIRED, "shipping needs a tracking number");
        }
        if (isBlank(command.carrier())) {
            return Decision.reject(SHIPMENT_CARRIER_REQUIRED, "shipping needs a carrier");
        }
        Decision<OrderEvent> invalid = tooLong("trackingNumber", command.trackingNumber(), MAX_SHIPPING_FIELD);
        if (invalid == null) {
            invalid = tooLong("carrier", command.carrier(), MAX_SHIPPING_FIELD);
        }
        if (invalid != null) {
            return invalid;
        }
        return Decision.accept(new OrderShipped(command.trackingNumber().strip(), command.carrier().strip()));
    }

    private Decision<OrderEvent> deliver(OrderState state, DeliverOrder command) {
        if (state.status() == OrderStatus.DELIVERED) {
            return Decision.reject(ORDER_ALREADY_DELIVERED, "order is already delivered");
        }
        if (state.status() != OrderStatus.SHIPPED) {
            return Decision.reject(ORDER_NOT_SHIPPED, "an order must ship before it is delivered");
        }
        Decision<OrderEvent> invalid = tooLong("signature", command.signature(), MAX_SHIPPING_FIELD);
        if (invalid != null) {
            return invalid;
        }
        return Decision.accept(new OrderDelivered(command.signature()));
    }

    private Decision<OrderEvent> cancel(OrderState state, CancelOrder command) {
        if (state.status() == OrderStatus.DELIVERED) {
            return Decision.reject(ORDER_ALREADY_DELIVERED, "a delivered order cannot be cancelled");
        }
        Decision<OrderEvent> invalid = tooLong("reason", command.reason(), MAX_TEXT);
        if (invalid != null) {
            return invalid;
        }
        return Decision.accept(new OrderCancelled(command.reason(), command.cancelledBy()));
    }

    /** The rules every item list obeys, on creation and on update; null when valid. */
    private static Decision<OrderEvent> validateItems(List<OrderItem> items) {
        if (items == null || items.isEmpty()) {
            return Decision.reject(ORDER_ITEMS_REQUIRED, "an order must have at least one item");
        }
        if (items.size() > MAX_ITEMS) {
            return Decision.reject(ORDER_TOO_MANY_ITEMS, "an order has at most " + MAX_ITEMS + " items");
        }
        Set<Object> products = new HashSet<>();
        String currency = null;
        int priced = 0;
        for (OrderItem item : items) {
            if (item == null || item.productId() == null) {
                return Decision.reject(ITEM_PRODUCT_REQUIRED, "every item needs a product id");
            }
            if (!products.add(item.productId())) {
                return Decision.reject(ITEM_DUPLICATE_PRODUCT,
                        "product " + item.productId() + " appears twice; use one line with the total quantity");
            }
            if (item.quantity() < 1 || item.quantity() > MAX_QUANTITY) {
                return Decision.reject(ITEM_QUANTITY_INVALID, "quantity of product " + item.productId()
                        + " must be between 1 and " + MAX_QUANTITY + ", was " + item.quantity());
            }
            if (item.unitPrice() != null) {
                if (!item.unitPrice().isValid()) {
                    return Decision.reject(ITEM_PRICE_INVALID, "unit price of product " + item.productId()
                            + " needs a non-negative amount and a three-letter currency code");
                }
                if (currency != null && !currency.equals(item.unitPrice().currency())) {
                    return Decision.reject(ORDER_PRICING_INCONSISTENT, "all prices of an order share one currency");
                }
                currency = item.unitPrice().currency();
                priced++;
            }
        }
        if (priced != 0 && priced != items.size()) {
            return Decision.reject(ORDER_PRICING_INCONSISTENT, "either every item has a unit price or none does");
        }
        return null;
    }

    private static Decision<OrderEvent> tooLong(String field, String value, int max) {
        if (value != null && value.length() > max) {
            return Decision.reject(TEXT_TOO_LONG, field + " is longer than " + max + " characters");
        }
        return null;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
