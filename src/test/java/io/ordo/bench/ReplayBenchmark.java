package io.ordo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordo.testing.StoreFixture;
import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderState;
import io.ordo.es.Aggregate;
import io.ordo.es.DomainEvent;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Rebuilding an order from its stored JSON envelopes (decode, upcast, evolve, with sequence
 * checks) against plain Jackson parsing of the very same JSON. One operation is a whole stream.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ReplayBenchmark {

    @Param({"100"})
    int events;

    private final OrderDecider decider = new OrderDecider();
    private final EnvelopeCodec codec = StoreFixture.BUILT_IN.codec();
    private final ObjectMapper plain = new ObjectMapper();
    private final UUID orderId = UUID.randomUUID();
    private List<String> stored;

    @Setup
    public void storeAStream() {
        stored = new ArrayList<>(events);
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        UUID correlation = UUID.randomUUID();
        List<UUID> products = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        // The first event is stored at v1, as written before prices had a currency: it is upcast on every replay.
        stored.add("""
                {"eventId":"%s","aggregateId":"%s","aggregateType":"Order","sequenceNumber":1,"eventType":"OrderCreated",\
                "eventVersion":1,"data":{"customerId":"%s","items":[{"productId":"%s","quantity":2,"unitPriceCents":1250}]},\
                "correlationId":"%s","timestamp":"%s","metadata":{}}"""
                .formatted(UUID.randomUUID(), orderId, UUID.randomUUID(), products.get(0), correlation, at));
        for (long seq = 2; seq <= events - 2; seq++) {
            List<OrderItem> items = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                items.add(new OrderItem(products.get(i), (int) (seq % 7) + i + 1, new Money(100 * (i + 1), "USD")));
            }
            stored.add(encode(seq, new OrderEvent.OrderItemsUpdated(items, "change " + seq), correlation, at.plusSeconds(seq)));
        }
        stored.add(encode(events - 1, new OrderEvent.OrderConfirmed(), correlation, at.plusSeconds(events)));
        stored.add(encode(events, new OrderEvent.OrderShipped("TRACK-1", "DHL"), correlation, at.plusSeconds(events + 1)));
    }

    private String encode(long sequence, OrderEvent event, UUID correlation, Instant at) {
        return codec.encode(new EventEnvelope<>(UUID.randomUUID(), orderId, "Order", sequence, event.type().name(),
                event.type().version(), event, UUID.randomUUID(), correlation, null, at, Map.of("source", "bench")));
    }

    @Benchmark
    public Aggregate<OrderState> replay() {
        List<EventEnvelope<DomainEvent>> envelopes = new ArrayList<>(stored.size());
        for (String json : stored) {
            envelopes.add(codec.decode(json));
        }
        return Aggregate.rebuild(decider, orderId, envelopes);
    }

    @Benchmark
    public void baselinePlainParse(Blackhole sink) throws IOException {
        for (String json : stored) {
            sink.consume(plain.readTree(json));
        }
    }
}
