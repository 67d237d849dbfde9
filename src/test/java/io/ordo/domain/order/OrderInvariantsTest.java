package io.ordo.domain.order;

import io.ordo.testing.StoreFixture;
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
import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random command sequences against one order: incremental evolution always equals a full rebuild
 * (also after a JSON round trip), and no sequence of accepted commands breaks an invariant.
 */
class OrderInvariantsTest {

    private static final OrderDecider DECIDER = new OrderDecider();
    private static final EnvelopeCodec CODEC = StoreFixture.BUILT_IN.codec();
    private static final List<UUID> PRODUCTS = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @Property(tries = 500)
    void randomCommandsKeepEveryInvariant(@ForAll("commandSequences") List<OrderCommand> commands) {
        UUID id = UUID.randomUUID();
        Aggregate<OrderState> order = Aggregate.empty(DECIDER, id);
        List<EventEnvelope<OrderEvent>> log = new ArrayList<>();
        Set<OrderStatus> statuses = EnumSet.noneOf(OrderStatus.class);
        int accepted = 0;

        for (int i = 0; i < commands.size(); i++) {
            var execution = order.execute(DECIDER, commands.get(i), CommandMetadata.system(), START.plusSeconds(i));
            if (execution instanceof Aggregate.Execution.Applied<OrderState, OrderEvent> applied) {
                order = applied.after();
                log.addAll(applied.events());
                accepted++;
                checkInvariants(order, log);
                OrderStatus now = order.state().status();
                for (OrderStatus before : statuses) {
                    assertTrue(before == now || now.earlier().contains(before), before + " is earlier than " + now);
                }
                statuses.add(now);
            }
        }
        Statistics.collect(order.state().status());

        assertEquals(log.size(), order.version());
        assertEquals(order, Aggregate.rebuild(DECIDER, id, log), "incremental state differs from a full rebuild");
        List<EventEnvelope<?>> roundTripped = log.stream().map(CODEC::encode).<EventEnvelope<?>>map(CODEC::decode).toList();
        assertEquals(order, Aggregate.rebuild(DECIDER, id, roundTripped), "state differs after a JSON round trip");
        assertTrue(accepted <= commands.size());
    }

    private static void checkInvariants(Aggregate<OrderState> order, List<EventEnvelope<OrderEvent>> log) {
        OrderState state = order.state();
        assertTrue(state.exists());
        assertFalse(state.items().isEmpty(), "an existing order has items");
        Set<UUID> products = new HashSet<>();
        for (OrderItem item : state.items()) {
            assertTrue(item.quantity() >= 1 && item.quantity() <= OrderDecider.MAX_QUANTITY, "quantity in range");
            assertTrue(products.add(item.productId()), "one line per product");
        }
        if (state.status() == OrderStatus.SHIPPED || state.status() == OrderStatus.DELIVERED) {
            assertFalse(state.trackingNumber().isBlank());
            assertFalse(state.carrier().isBlank());
        }

        // The history itself: created first and once; items change only before confirmation;
        // confirmed, shipped, delivered at most once each and in that order; nothing after a cancel.
        assertTrue(log.get(0).eventData() instanceof OrderCreated);
        int confirmed = -1, shipped = -1, delivered = -1, cancelled = -1;
        for (int i = 0; i < log.size(); i++) {
            OrderEvent event = log.get(i).eventData();
            assertEquals(i + 1, log.get(i).sequenceNumber());
            assertTrue(cancelled < 0, "no event after a cancellation");
            if (event instanceof OrderCreated) {
                assertEquals(0, i, "created only once, first");
            } else if (event instanceof OrderItemsUpdated) {
                assertTrue(confirmed < 0, "items change only before confirmation");
            } else if (event instanceof OrderConfirmed) {
                assertTrue(confirmed < 0, "confirmed once");
                confirmed = i;
            } else if (event instanceof OrderShipped) {
                assertTrue(confirmed >= 0 && shipped < 0, "shipped once, after confirmation");
                shipped = i;
            } else if (event instanceof OrderDelivered) {
                assertTrue(shipped >= 0 && delivered < 0, "a delivered order was shipped first");
                delivered = i;
            } else if (event instanceof OrderCancelled) {
                assertTrue(delivered < 0, "a delivered order is never cancelled");
                cancelled = i;
            }
        }
    }

    @Provide
    Arbitrary<List<OrderCommand>> commandSequences() {
        // A create first (whose items may still be invalid), then mostly valid commands so that
        // sequences reach every status; the rest probe the rules.
        return Combinators.combine(items(), command().list().ofMaxSize(25)).as((items, rest) -> {
            List<OrderCommand> commands = new ArrayList<>(rest.size() + 1);
            commands.add(new CreateOrder(UUID.randomUUID(), UUID.randomUUID(), items));
            commands.addAll(rest);
            return commands;
        });
    }

    private Arbitrary<OrderCommand> command() {
        Arbitrary<String> text = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.of("T-1", "DHL", "J. Doe")),
                Tuple.of(1, Arbitraries.of("", "  ")),
                Tuple.of(1, Arbitraries.just((String) null)),
                Tuple.of(1, Arbitraries.just("x".repeat(OrderDecider.MAX_SHIPPING_FIELD + 1))));
        return Arbitraries.frequencyOf(
                Tuple.of(4, items().map(items -> new CreateOrder(UUID.randomUUID(), UUID.randomUUID(), items))),
                Tuple.of(2, items().map(items -> new UpdateItems(items, "reason"))),
                Tuple.of(3, Arbitraries.just(new ConfirmOrder())),
                Tuple.of(3, Combinators.combine(text, text).as(ShipOrder::new)),
                Tuple.of(3, text.map(DeliverOrder::new)),
                Tuple.of(1, text.map(reason -> new CancelOrder(reason, null))));
    }

    private Arbitrary<List<OrderItem>> items() {
        Arbitrary<Integer> quantity = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.integers().between(1, OrderDecider.MAX_QUANTITY)),
                Tuple.of(1, Arbitraries.of(0, -2, OrderDecider.MAX_QUANTITY + 1)));
        Arbitrary<OrderItem> item = Combinators.combine(Arbitraries.of(PRODUCTS), quantity).as(OrderItem::of);
        return Arbitraries.frequencyOf(
                Tuple.of(12, item.list().ofMinSize(1).ofMaxSize(3).uniqueElements(OrderItem::productId)),
                Tuple.of(1, item.list().ofSize(2)),
                Tuple.of(1, Arbitraries.just(List.of())));
    }
}
