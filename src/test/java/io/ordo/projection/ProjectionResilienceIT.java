package io.ordo.projection;

import io.ordo.testing.StoreFixture;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.es.CommandMetadata;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializer;
import io.ordo.store.FaultInjector;
import io.ordo.testing.Eventually;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.StoreFixture;
import io.ordo.testing.TestKafka;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read side where the first wave gave up too soon or overflowed: a store outage longer than a
 * projection's attempts, and an aggregate met after a gap of thousands of events.
 */
class ProjectionResilienceIT {

    private static final String TOKEN = "projection-resilience-token";
    private static final String ORDER_TOPIC = "projection-resilience-order-events";
    private static final Map<String, String> OPS = Map.of("Authorization", "Bearer " + TOKEN);
    /** The relay publishes only what this server commits within these tests: the polling source waits long. */
    private static final long POLL_DELAY_MS = 60_000;
    private static final AtomicBoolean STORE_OUT = new AtomicBoolean();

    private static OrdoFixture ordo;
    private static Http http;
    private static StoreFixture beside;
    private static KafkaProducer<String, String> producer;

    /** An order of 5,001 events, of which versions 2 to 5,001 wait on Kafka before the projections start. */
    private static final UUID GAP = UUID.randomUUID();
    private static final int GAP_VERSION = 5_001;

    @BeforeAll
    static void start() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer());
        try (StoreFixture fresh = StoreFixture.create(ProjectionResilienceIT.class, 100)) {
            storeOrderAfterAGap(fresh);
        }
        ordo = OrdoFixture.start(ProjectionResilienceIT.class, new JsonObject()
                        .put("store", new JsonObject().put("requestTimeoutMs", 4_000)
                                .put("topics", new JsonObject().put("Order", ORDER_TOPIC)
                                        .put("Customer", "projection-resilience-customer-events")))
                        .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                                .put("pollIntervalMs", 200).put("pollDelayMs", POLL_DELAY_MS))
                        .put("projections", new JsonObject().put("consumerGroup", "projection-resilience-" + UUID.randomUUID())
                                .put("maxAttempts", 3).put("retryBackoffMs", 50).put("readYourWritesTimeoutMs", 30_000))
                        .put("ops", new JsonObject().put("token", TOKEN)),
                FaultInjector.timeoutAtWhile(FaultInjector.Point.PROJECTION_WRITE, STORE_OUT::get));
        http = new Http(ordo.client);
        beside = StoreFixture.attach("it_projectionresilienceit");
    }

    /**
     * Commits the order's 5,001 events and puts versions 2 to 5,001 on its topic, 1 never (the relay's
     * polling source has not got to it): the projections' first poll then holds one run of 5,000 events
     * after a gap, with nothing of the order in memory.
     */
    private static void storeOrderAfterAGap(StoreFixture store) {
        List<OrderEvent> events = new ArrayList<>();
        events.add(new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1))));
        for (int i = 1; i < GAP_VERSION; i++) {
            events.add(new OrderEvent.OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), 1 + i % 9)), null));
        }
        for (int from = 0; from < events.size(); from += 100) {
            await(store.eventStore().append("Order", GAP, from, events.subList(from, Math.min(events.size(), from + 100)),
                    CommandMetadata.system()));
        }
        EnvelopeCodec codec = StoreFixture.BUILT_IN.codec();
        for (EventEnvelope<?> event : await(store.eventStore().load(GAP, 2))) {
            producer.send(new ProducerRecord<>(ORDER_TOPIC, GAP.toString(), codec.encode(event)));
        }
        producer.flush();
    }

    @AfterAll
    static void stop() {
        producer.close();
        beside.close();
        ordo.close();
    }

    private static JsonObject order(String customer) {
        return new JsonObject().put("customerId", customer).put("items", new JsonArray()
                .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1)));
    }

    private static double metric(String name) {
        for (String row : http.get("/metrics").bodyAsString().split("\n")) {
            if (row.startsWith(name + " ")) {
                return Double.parseDouble(row.substring(row.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no meter " + name);
    }

    @Test
    void aStoreOutageLongerThanTheAttemptsIsWaitedOutNotParked() {
        String customer = http.customer("outage-" + UUID.randomUUID() + "@example.com");
        String id = http.post("/orders", order(customer)).bodyAsJsonObject().getString("orderId");
        assertEquals(200, http.get("/orders/" + id + "/summary?minVersion=1").statusCode());

        STORE_OUT.set(true); // every read-model write times out, as against a store that is away
        try {
            assertEquals(200, http.post("/orders/" + id + "/confirm", null).statusCode());
            // Three attempts at 50 ms backoff are long gone; the projection still waits, and its lag shows it.
            Eventually.until(Duration.ofSeconds(20), "the projection lag grows past 3 s",
                    () -> metric("ordo_projection_lag_seconds") > 3);
            assertEquals(1, http.get("/orders/" + id + "/summary").bodyAsJsonObject().getLong("version"));
        } finally {
            STORE_OUT.set(false);
        }
        HttpResponse<Buffer> caughtUp = http.get("/orders/" + id + "/summary?minVersion=2");
        assertEquals(200, caughtUp.statusCode(), caughtUp.bodyAsString());
        assertEquals("CONFIRMED", caughtUp.bodyAsJsonObject().getString("status"));
        JsonArray projections = http.send(HttpMethod.GET, "/ops/projections", null, OPS).bodyAsJsonObject()
                .getJsonArray("projections");
        for (Object projection : projections) {
            assertEquals(0, ((JsonObject) projection).getJsonArray("deadLetters").size(), "nothing parked: " + projection);
        }
        assertEquals(0, metric("ordo_projection_dead_letters"));
    }

    @Test
    void anAggregateMetAfterAGapOfFiveThousandEventsIsFilledFromTheStore() {
        HttpResponse<Buffer> summary = http.get("/orders/" + GAP + "/summary?minVersion=" + GAP_VERSION);
        assertEquals(200, summary.statusCode(), summary.bodyAsString());
        assertEquals(http.get("/orders/" + GAP).bodyAsJsonObject(), summary.bodyAsJsonObject());
        assertEquals(GAP_VERSION, summary.bodyAsJsonObject().getLong("version"));
    }
}
