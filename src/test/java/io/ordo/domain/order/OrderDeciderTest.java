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
import io.ordo.es.DeciderFixture;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.ordo.domain.order.OrderRejection.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class OrderDeciderTest {

    private final DeciderFixture<OrderState, OrderCommand, OrderEvent> order = DeciderFixture.forDecider(new OrderDecider());

    private static final UUID ORDER = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID CUSTOMER = UUID.fromString("00000000-0000-0000-0000-0000000000c1");
    private static final UUID PRODUCT_A = UUID.fromString("00000000-0000-0000-0000-0000000000a1");
    private static final UUID PRODUCT_B = UUID.fromString("00000000-0000-0000-0000-0000000000b1");

    private static final List<OrderItem> ITEMS = List.of(OrderItem.of(PRODUCT_A, 2), OrderItem.of(PRODUCT_B, 1));

    private static OrderCreated created() {
        return new OrderCreated(CUSTOMER, ITEMS);
    }

    private static OrderShipped shipped() {
        return new OrderShipped("TRACK-123", "DHL Express");
    }

    @Nested
    class Create {
        @Test
        void createsAnOrderWithItems() {
            order.given()
                    .when(new CreateOrder(ORDER, CUSTOMER, ITEMS))
                    .then(created())
                    .thenState(state -> {
                        assertEquals(OrderStatus.CREATED, state.status());
                        assertEquals(3, state.itemCount());
                        assertNull(state.total());
                    });
        }

        @Test
        void anOrderMustHaveItems() {
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of())).thenRejected(ORDER_ITEMS_REQUIRED);
            order.given().when(new CreateOrder(ORDER, CUSTOMER, null)).thenRejected(ORDER_ITEMS_REQUIRED);
        }

        @Test
        void anOrderNeedsACustomer() {
            order.given().when(new CreateOrder(ORDER, null, ITEMS)).thenRejected(ORDER_CUSTOMER_REQUIRED);
        }

        @Test
        void creatingAnOrderThatExistsIsRejected() {
            order.given(created()).when(new CreateOrder(ORDER, CUSTOMER, ITEMS)).thenRejected(ORDER_ALREADY_EXISTS);
        }

        @Test
        void quantitiesArePositive() {
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(OrderItem.of(PRODUCT_A, 0))))
                    .thenRejected(ITEM_QUANTITY_INVALID);
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(OrderItem.of(PRODUCT_A, -3))))
                    .thenRejected(ITEM_QUANTITY_INVALID);
        }

        @Test
        void quantitiesAreBounded() {
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(OrderItem.of(PRODUCT_A, OrderDecider.MAX_QUANTITY))))
                    .then(new OrderCreated(CUSTOMER, List.of(OrderItem.of(PRODUCT_A, OrderDecider.MAX_QUANTITY))));
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(OrderItem.of(PRODUCT_A, OrderDecider.MAX_QUANTITY + 1))))
                    .thenRejected(ITEM_QUANTITY_INVALID);
        }

        @Test
        void everyItemHasAProductId() {
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(OrderItem.of(PRODUCT_A, 1), OrderItem.of(null, 1))))
                    .thenRejected(ITEM_PRODUCT_REQUIRED);
        }

        @Test
        void aProductAppearsOnOneLineOnly() {
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(OrderItem.of(PRODUCT_A, 1), OrderItem.of(PRODUCT_A, 2))))
                    .thenRejected(ITEM_DUPLICATE_PRODUCT);
        }

        @Test
        void theNumberOfLinesIsBounded() {
            List<OrderItem> lines = new ArrayList<>();
            for (int i = 0; i <= OrderDecider.MAX_ITEMS; i++) {
                lines.add(OrderItem.of(UUID.randomUUID(), 1));
            }
            order.given().when(new CreateOrder(ORDER, CUSTOMER, lines)).thenRejected(ORDER_TOO_MANY_ITEMS);
        }

        @Test
        void pricedItemsGiveATotal() {
            List<OrderItem> priced = List.of(
                    new OrderItem(PRODUCT_A, 2, new Money(1250, "EUR")),
                    new OrderItem(PRODUCT_B, 1, new Money(199, "EUR")));
            order.given().when(new CreateOrder(ORDER, CUSTOMER, priced))
                    .then(new OrderCreated(CUSTOMER, priced))
                    .thenState(state -> assertEquals(new Money(2699, "EUR"), state.total()));
        }

        @Test
        void pricesAreValid() {
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(new OrderItem(PRODUCT_A, 1, new Money(-1, "EUR")))))
                    .thenRejected(ITEM_PRICE_INVALID);
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(new OrderItem(PRODUCT_A, 1, new Money(100, "euro")))))
                    .thenRejected(ITEM_PRICE_INVALID);
        }

        @Test
        void pricesShareOneCurrencyAndCoverEveryItem() {
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(
                            new OrderItem(PRODUCT_A, 1, new Money(100, "EUR")),
                            new OrderItem(PRODUCT_B, 1, new Money(100, "USD")))))
                    .thenRejected(ORDER_PRICING_INCONSISTENT);
            order.given().when(new CreateOrder(ORDER, CUSTOMER, List.of(
                            new OrderItem(PRODUCT_A, 1, new Money(100, "EUR")),
                            OrderItem.of(PRODUCT_B, 1))))
                    .thenRejected(ORDER_PRICING_INCONSISTENT);
        }
    }

    @Nested
    class Items {
        private final List<OrderItem> newItems = List.of(OrderItem.of(PRODUCT_A, 5));

        @Test
        void itemsChangeBeforeConfirmation() {
            order.given(created())
                    .when(new UpdateItems(newItems, "customer called"))
                    .then(new OrderItemsUpdated(newItems, "customer called"))
                    .thenState(state -> assertEquals(newItems, state.items()));
        }

        @Test
        void itemsCannotChangeOnceConfirmed() {
            order.given(created(), new OrderConfirmed()).when(new UpdateItems(newItems, null))
                    .thenRejected(ORDER_NOT_MODIFIABLE);
            order.given(created(), new OrderConfirmed(), shipped()).when(new UpdateItems(newItems, null))
                    .thenRejected(ORDER_NOT_MODIFIABLE);
        }

        @Test
        void updatedItemsObeyTheSameRules() {
            order.given(created()).when(new UpdateItems(List.of(), null)).thenRejected(ORDER_ITEMS_REQUIRED);
            order.given(created()).when(new UpdateItems(List.of(OrderItem.of(PRODUCT_A, 0)), null))
                    .thenRejected(ITEM_QUANTITY_INVALID);
        }

        @Test
        void theReasonIsBounded() {
            order.given(created()).when(new UpdateItems(newItems, "x".repeat(OrderDecider.MAX_TEXT + 1)))
                    .thenRejected(TEXT_TOO_LONG);
        }

        @Test
        void commandsOtherThanCreateNeedAnExistingOrder() {
            order.given().when(new UpdateItems(newItems, null)).thenRejected(ORDER_NOT_FOUND);
            order.given().when(new ConfirmOrder()).thenRejected(ORDER_NOT_FOUND);
            order.given().when(new CancelOrder(null, null)).thenRejected(ORDER_NOT_FOUND);
        }
    }

    @Nested
    class Lifecycle {
        @Test
        void confirmsACreatedOrder() {
            order.given(created()).when(new ConfirmOrder()).then(new OrderConfirmed());
        }

        @Test
        void confirmingTwiceIsRejectedWithItsOwnCode() {
            order.given(created(), new OrderConfirmed()).when(new ConfirmOrder()).thenRejected(ORDER_ALREADY_CONFIRMED);
        }

        @Test
        void shippingRequiresAConfirmedOrder() {
            order.given(created()).when(new ShipOrder("T-1", "UPS")).thenRejected(ORDER_NOT_CONFIRMED);
            order.given(created(), new OrderConfirmed()).when(new ShipOrder(" T-1 ", "UPS"))
                    .then(new OrderShipped("T-1", "UPS"))
                    .thenState(state -> assertEquals("T-1", state.trackingNumber()));
        }

        @Test
        void shippingTwiceIsRejected() {
            order.given(created(), new OrderConfirmed(), shipped()).when(new ShipOrder("T-2", "UPS"))
                    .thenRejected(ORDER_ALREADY_SHIPPED);
        }

        @Test
        void shippingRequiresTrackingNumberAndCarrier() {
            order.given(created(), new OrderConfirmed()).when(new ShipOrder("  ", "UPS"))
                    .thenRejected(SHIPMENT_TRACKING_REQUIRED);
            order.given(created(), new OrderConfirmed()).when(new ShipOrder(null, "UPS"))
                    .thenRejected(SHIPMENT_TRACKING_REQUIRED);
            order.given(created(), new OrderConfirmed()).when(new ShipOrder("T-1", ""))
                    .thenRejected(SHIPMENT_CARRIER_REQUIRED);
        }

        @Test
        void deliveringRequiresAShippedOrder() {
            order.given(created(), new OrderConfirmed()).when(new DeliverOrder(null)).thenRejected(ORDER_NOT_SHIPPED);
            order.given(created(), new OrderConfirmed(), shipped()).when(new DeliverOrder("J. Doe"))
                    .then(new OrderDelivered("J. Doe"))
                    .thenState(state -> {
                        assertEquals(OrderStatus.DELIVERED, state.status());
                        assertEquals("TRACK-123", state.trackingNumber());
                    });
        }

        @Test
        void deliveringTwiceIsRejected() {
            order.given(created(), new OrderConfirmed(), shipped(), new OrderDelivered(null))
                    .when(new DeliverOrder(null)).thenRejected(ORDER_ALREADY_DELIVERED);
        }

        @Test
        void aDeliveredOrderCannotBeCancelled() {
            order.given(created(), new OrderConfirmed(), shipped(), new OrderDelivered(null))
                    .when(new CancelOrder("too late", null)).thenRejected(ORDER_ALREADY_DELIVERED);
        }

        @Test
        void anOrderCanBeCancelledBeforeDelivery() {
            UUID clerk = UUID.randomUUID();
            order.given(created()).when(new CancelOrder("changed mind", clerk))
                    .then(new OrderCancelled("changed mind", clerk))
                    .thenState(state -> {
                        assertEquals(OrderStatus.CANCELLED, state.status());
                        assertEquals("changed mind", state.cancelledReason());
                        assertEquals(clerk, state.cancelledBy());
                    });
            order.given(created(), new OrderConfirmed(), shipped()).when(new CancelOrder(null, null))
                    .then(new OrderCancelled(null, null));
        }

        @Test
        void aCancelledOrderAcceptsNoCommand() {
            OrderEvent[] history = {created(), new OrderCancelled(null, null)};
            order.given(history).when(new UpdateItems(ITEMS, null)).thenRejected(ORDER_CANCELLED);
            order.given(history).when(new ConfirmOrder()).thenRejected(ORDER_CANCELLED);
            order.given(history).when(new ShipOrder("T", "C")).thenRejected(ORDER_CANCELLED);
            order.given(history).when(new DeliverOrder(null)).thenRejected(ORDER_CANCELLED);
            order.given(history).when(new CancelOrder(null, null)).thenRejected(ORDER_CANCELLED);
            order.given(history).when(new CreateOrder(ORDER, CUSTOMER, ITEMS)).thenRejected(ORDER_ALREADY_EXISTS);
        }
    }
}
