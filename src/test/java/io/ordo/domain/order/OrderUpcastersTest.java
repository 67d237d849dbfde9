package io.ordo.domain.order;

import io.ordo.testing.StoreFixture;
import io.ordo.es.Aggregate;
import io.ordo.es.DomainEvent;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Stored v1 {@code OrderCreated} events, written before multi-currency prices, still replay. */
class OrderUpcastersTest {

    private final EventSerializer serializer = StoreFixture.BUILT_IN.serializer();
    private final EnvelopeCodec codec = new EnvelopeCodec(serializer);

    @Test
    void aStoredV1StreamReplaysWithPricesInUsd() throws IOException {
        List<EventEnvelope<DomainEvent>> stream = readFixture("/fixtures/order-v1-stream.jsonl").stream()
                .map(codec::decode).toList();

        Aggregate<OrderState> order = Aggregate.rebuild(new OrderDecider(),
                UUID.fromString("3b0f8a52-1a7e-4c7a-8f0e-2b8d4b6c9d10"), stream);

        assertEquals(2, order.version());
        assertEquals(OrderStatus.CONFIRMED, order.state().status());
        assertEquals(List.of(
                new OrderItem(UUID.fromString("a1a1a1a1-0000-4000-8000-000000000001"), 2, new Money(1250, "USD")),
                new OrderItem(UUID.fromString("b2b2b2b2-0000-4000-8000-000000000002"), 1, new Money(199, "USD"))),
                order.state().items());
        assertEquals(new Money(2699, "USD"), order.state().total());
        // The decoded envelope carries the payload at the current version.
        assertEquals(OrderEvent.OrderCreated.TYPE.version(), stream.get(0).eventVersion());
    }

    @Test
    void aV1ItemWithoutPriceStaysUnpriced() {
        UUID product = UUID.randomUUID();
        DomainEvent event = serializer.fromJson("OrderCreated", 1, """
                {"customerId":"%s","items":[{"productId":"%s","quantity":4,"unitPriceCents":null}]}"""
                .formatted(UUID.randomUUID(), product));
        OrderEvent.OrderCreated created = (OrderEvent.OrderCreated) event;
        assertEquals(List.of(OrderItem.of(product, 4)), created.items());
    }

    private static List<String> readFixture(String name) throws IOException {
        try (InputStream in = OrderUpcastersTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }
}
