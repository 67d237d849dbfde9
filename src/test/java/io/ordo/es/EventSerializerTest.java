package io.ordo.es;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ordo.testing.StoreFixture;
import io.ordo.domain.customer.CustomerEvent;
import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventSerializerTest {

    private final EventSerializer serializer = StoreFixture.BUILT_IN.serializer();
    private final EnvelopeCodec codec = new EnvelopeCodec(serializer);

    /** One example of every event type, with every optional field set. */
    static List<DomainEvent> everyEvent() {
        UUID product = UUID.randomUUID();
        return List.of(
                new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(new OrderItem(product, 3, new Money(1999, "EUR")))),
                new OrderEvent.OrderItemsUpdated(List.of(OrderItem.of(product, 1)), "fewer, please"),
                new OrderEvent.OrderConfirmed(),
                new OrderEvent.OrderShipped("TRACK-1", "DHL"),
                new OrderEvent.OrderDelivered("J. Doe"),
                new OrderEvent.OrderCancelled("changed mind", UUID.randomUUID()),
                new CustomerEvent.CustomerRegistered("a@b.io", "Ann", "Bee", "+15550123"),
                new CustomerEvent.CustomerDetailsUpdated("Ann", "Bee", null),
                new CustomerEvent.CustomerEmailChanged("a@b.io", "ann@b.io"),
                new CustomerEvent.CustomerDeactivated("closed"),
                new CustomerEvent.CustomerReactivated());
    }

    @Test
    void theExamplesCoverEveryRegisteredType() {
        Set<String> covered = everyEvent().stream().map(e -> e.type().name()).collect(Collectors.toSet());
        Set<String> registered = serializer.registry().types().stream().map(EventType::name).collect(Collectors.toSet());
        assertEquals(registered, covered);
    }

    @ParameterizedTest
    @MethodSource("everyEvent")
    void payloadsRoundTrip(DomainEvent event) {
        String json = serializer.toJson(event);
        assertEquals(event, serializer.fromJson(event.type().name(), event.type().version(), json));
    }

    @ParameterizedTest
    @MethodSource("everyEvent")
    void envelopesRoundTripWithEveryField(DomainEvent event) {
        EventEnvelope<DomainEvent> envelope = new EventEnvelope<>(UUID.randomUUID(), UUID.randomUUID(), "Order", 7,
                event.type().name(), event.type().version(), event, UUID.randomUUID(), UUID.randomUUID(),
                UUID.randomUUID(), Instant.parse("2026-03-04T05:06:07.123456Z"), Map.of("source", "api", "ip", "10.0.0.1"));

        String json = codec.encode(envelope);

        assertEquals(envelope, codec.decode(json));
        assertTrue(json.contains("\"eventType\":\"" + event.type().name() + "\""), json);
    }

    @Test
    void envelopeFieldsMayComeInAnyOrderAndUnknownOnesAreIgnored() {
        DomainEvent event = new OrderEvent.OrderShipped("T", "C");
        EventEnvelope<DomainEvent> envelope = new EventEnvelope<>(UUID.randomUUID(), UUID.randomUUID(), "Order", 1,
                "OrderShipped", 1, event, null, UUID.randomUUID(), null, Instant.now(), Map.of());
        ObjectNode encoded = (ObjectNode) readTree(codec.encode(envelope));
        ObjectNode reordered = serializer.mapper().createObjectNode();
        reordered.set("data", encoded.get("data"));
        reordered.putObject("addedByANewerBuild").put("x", 1);
        encoded.properties().forEach(field -> reordered.set(field.getKey(), field.getValue()));

        assertEquals(envelope, codec.decode(reordered.toString()));
    }

    @Test
    void nullOptionalFieldsAreLeftOut() {
        String json = serializer.toJson(new OrderEvent.OrderCancelled(null, null));
        assertEquals("{}", json);
    }

    @Test
    void anUnknownTypeIsAnErrorNamingIt() {
        EventSerializationException e = assertThrows(EventSerializationException.class,
                () -> serializer.fromJson("OrderTeleported", 1, "{}"));
        assertTrue(e.getMessage().contains("OrderTeleported"), e.getMessage());
    }

    @Test
    void aVersionNewerThanThisBuildIsAnErrorNamingIt() {
        EventSerializationException e = assertThrows(EventSerializationException.class,
                () -> serializer.fromJson("OrderShipped", 9, "{}"));
        assertTrue(e.getMessage().contains("version 9") && e.getMessage().contains("OrderShipped"), e.getMessage());
    }

    @Test
    void malformedPayloadsAreErrorsNamingTheType() {
        EventSerializationException e = assertThrows(EventSerializationException.class,
                () -> serializer.fromJson("OrderShipped", 1, "{\"trackingNumber\": [1, 2"));
        assertTrue(e.getMessage().contains("OrderShipped"), e.getMessage());
        assertThrows(EventSerializationException.class, () -> codec.decode("not json"));
        assertThrows(EventSerializationException.class, () -> codec.decode("{\"eventType\":\"OrderConfirmed\"}"));
    }

    @Test
    void envelopesMissingRequiredFieldsAreRejected() {
        String json = codec.encode(new EventEnvelope<>(UUID.randomUUID(), UUID.randomUUID(), "Order", 1,
                "OrderConfirmed", 1, new OrderEvent.OrderConfirmed(), null, UUID.randomUUID(), null, Instant.now(), Map.of()));
        for (String field : List.of("eventId", "aggregateId", "correlationId", "timestamp")) {
            ObjectNode tree = (ObjectNode) readTree(json);
            tree.remove(field);
            EventSerializationException e = assertThrows(EventSerializationException.class, () -> codec.decode(tree.toString()));
            assertTrue(e.getMessage().contains(field), e.getMessage());
        }
        ObjectNode badSequence = (ObjectNode) readTree(json);
        badSequence.put("sequenceNumber", 0);
        assertThrows(EventSerializationException.class, () -> codec.decode(badSequence.toString()));
    }

    // A synthetic event type at v3 proves that upcasters chain in order and that a gap is reported.
    record Renamed(String fullName, int score) implements DomainEvent {
        static final EventType<Renamed> TYPE = EventType.of("Renamed", 3, Renamed.class);

        @Override
        public EventType<Renamed> type() {
            return TYPE;
        }
    }

    private static Upcaster step(int from, java.util.function.UnaryOperator<ObjectNode> change) {
        return new Upcaster() {
            @Override
            public String eventType() {
                return "Renamed";
            }

            @Override
            public int fromVersion() {
                return from;
            }

            @Override
            public ObjectNode upcast(ObjectNode payload) {
                return change.apply(payload);
            }
        };
    }

    @Test
    void upcastersChainFromTheStoredVersionToTheCurrentOne() {
        Set<Integer> applied = new HashSet<>();
        EventRegistry registry = EventRegistry.builder().register(Renamed.TYPE)
                .upcaster(step(1, p -> {
                    applied.add(1);
                    ObjectNode out = p.objectNode().put("fullName", p.get("first").asText() + " " + p.get("last").asText());
                    return out;
                }))
                .upcaster(step(2, p -> {
                    applied.add(2);
                    return p.put("score", 0);
                }))
                .build();
        EventSerializer chained = new EventSerializer(registry);

        assertEquals(new Renamed("Ann Bee", 0), chained.fromJson("Renamed", 1, "{\"first\":\"Ann\",\"last\":\"Bee\"}"));
        assertEquals(Set.of(1, 2), applied);
        applied.clear();
        assertEquals(new Renamed("Ann Bee", 0), chained.fromJson("Renamed", 2, "{\"fullName\":\"Ann Bee\"}"));
        assertEquals(Set.of(2), applied);
        assertEquals(new Renamed("Ann Bee", 5), chained.fromJson("Renamed", 3, "{\"fullName\":\"Ann Bee\",\"score\":5}"));
    }

    @Test
    void aMissingUpcasterIsAnErrorNamingTheStep() {
        EventSerializer gappy = new EventSerializer(EventRegistry.builder().register(Renamed.TYPE)
                .upcaster(step(2, p -> p.put("score", 0))).build());
        EventSerializationException e = assertThrows(EventSerializationException.class,
                () -> gappy.fromJson("Renamed", 1, "{}"));
        assertTrue(e.getMessage().contains("from version 1 to 2"), e.getMessage());
    }

    @Test
    void theRegistryRefusesConflictsAndStrayUpcasters() {
        record Other() implements DomainEvent {
            @Override
            public EventType<?> type() {
                return EventType.of("Renamed", 1, Other.class);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> EventRegistry.builder().register(Renamed.TYPE).register(EventType.of("Renamed", 1, Other.class)));
        assertThrows(IllegalArgumentException.class,
                () -> EventRegistry.builder().register(Renamed.TYPE).upcaster(step(3, p -> p)).build());
        assertThrows(IllegalArgumentException.class,
                () -> EventRegistry.builder().upcaster(step(1, p -> p)).build());
        assertFalse(StoreFixture.BUILT_IN.serializer().registry().types().isEmpty());
    }

    private com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return serializer.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
