package io.ordo.outbox;

import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.es.CommandMetadata;
import io.ordo.store.EventStore;
import io.ordo.store.FaultInjector;
import io.ordo.testing.Eventually;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.StoreFixture;
import io.ordo.testing.TestKafka;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The outbox relay, judged by what a plain Kafka consumer reads. */
class RelayIT {

    private static final long POLL_DELAY_MS = 5_000;
    private static final long VERIFICATION_WINDOW_MS = 2_000;

    private static OrdoFixture ordo;
    private static Http http;
    private static StoreFixture beside;
    private static String customer;

    @BeforeAll
    static void start() {
        ordo = OrdoFixture.start(RelayIT.class, new JsonObject()
                .put("store", new JsonObject().put("requestTimeoutMs", 4_000))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollIntervalMs", 200).put("pollDelayMs", POLL_DELAY_MS)
                        .put("verificationWindowMs", VERIFICATION_WINDOW_MS)));
        http = new Http(ordo.client);
        beside = StoreFixture.attach("it_relayit");
        customer = http.customer("relay-" + UUID.randomUUID() + "@example.com");
    }

    @AfterAll
    static void stop() {
        beside.close();
        ordo.close();
    }

    /** The order events read for {@code ids}, until {@code done} holds or the timeout passes. */
    private static Map<String, List<JsonObject>> consume(Set<String> ids, Predicate<Map<String, List<JsonObject>>> done,
                                                        Duration timeout) {
        Map<String, List<JsonObject>> byOrder = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "relay-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("order-events"));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(byOrder) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (ids.contains(record.key())) {
                        JsonObject envelope = new JsonObject(record.value());
                        assertEquals(record.key(), envelope.getString("aggregateId"), "keyed by aggregate id");
                        assertEquals(envelope.getString("eventId"), new String(record.headers().lastHeader("event_id").value()));
                        byOrder.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(envelope);
                    }
                }
            }
        }
        return byOrder;
    }

    /** Sequence numbers 1..n each present, in order (a duplicate may repeat an earlier one); answers the duplicates. */
    private static int assertInOrderWithoutGaps(List<JsonObject> events, int expected) {
        long highest = 0;
        int duplicates = 0;
        for (JsonObject event : events) {
            long sequence = event.getLong("sequenceNumber");
            if (sequence <= highest) {
                duplicates++;
                continue;
            }
            assertEquals(highest + 1, sequence, "no gap, and per-aggregate order: " + events);
            highest = sequence;
        }
        assertEquals(expected, highest);
        return duplicates;
    }

    /**
     * Connects a WebSocket client. Once in about ten runs the first handshake with a server that has
     * served nothing yet was closed ("Connection closed while handshake in process"); not yet
     * understood (see the issue note), so a closed handshake is tried again, at most twice.
     */
    private static io.vertx.core.http.WebSocket connect(OrdoFixture server, String uri, List<JsonObject> frames) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                // The handler is set as the connection completes, on its context: no frame arrives before it.
                return await(server.vertx.createWebSocketClient().connect(new io.vertx.core.http.WebSocketConnectOptions()
                                .setHost("127.0.0.1").setPort(server.port).setURI(uri))
                        .onSuccess(socket -> socket.textMessageHandler(text -> frames.add(new JsonObject(text)))));
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    private static String createOrder() {
        HttpResponse<Buffer> created = http.post("/orders", new JsonObject().put("customerId", customer)
                .put("items", new JsonArray().add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1))));
        assertEquals(201, created.statusCode(), created.bodyAsString());
        return created.bodyAsJsonObject().getString("orderId");
    }

    @Test
    void everyEventOfAThousandOrdersReachesKafkaInOrder() {
        // 1,000 orders, each created and confirmed over HTTP, 32 at a time.
        Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger remaining = new java.util.concurrent.atomic.AtomicInteger(1_000);
        List<Future<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < 32; lane++) {
            lanes.add(orderLifecycles(remaining, ids));
        }
        lanes.forEach(StoreFixture::await);
        assertEquals(1_000, ids.size());

        Map<String, List<JsonObject>> read = consume(ids, byOrder -> byOrder.size() == ids.size()
                && byOrder.values().stream().allMatch(events -> events.stream()
                .anyMatch(event -> event.getLong("sequenceNumber") == 2)), Duration.ofSeconds(120));

        assertEquals(ids, read.keySet(), "every order reached Kafka");
        int duplicates = 0;
        for (List<JsonObject> events : read.values()) {
            duplicates += assertInOrderWithoutGaps(events, 2);
        }
        System.out.printf("1,000 orders, 2,000 events on Kafka, %d duplicates%n", duplicates);
    }

    /** Creates and confirms orders over HTTP until {@code remaining} runs out. */
    private static Future<Void> orderLifecycles(java.util.concurrent.atomic.AtomicInteger remaining, Set<String> ids) {
        if (remaining.getAndDecrement() <= 0) {
            return Future.succeededFuture();
        }
        JsonObject order = new JsonObject().put("customerId", customer).put("items", new JsonArray()
                .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1)));
        return ordo.client.post("/orders").sendJsonObject(order).compose(created -> {
            assertEquals(201, created.statusCode(), created.bodyAsString());
            String id = created.bodyAsJsonObject().getString("orderId");
            return ordo.client.post("/orders/" + id + "/confirm").send().map(confirmed -> {
                assertEquals(200, confirmed.statusCode(), confirmed.bodyAsString());
                ids.add(id);
                return null;
            });
        }).compose(v -> orderLifecycles(remaining, ids));
    }

    @Test
    void aKafkaOutageOpensTheBreakerLosesNothingAndDrainsWhenKafkaReturns() throws Exception {
        Set<String> ids = new java.util.HashSet<>();
        boolean breakerOpened = false;
        TestKafka.broker().stop();
        try {
            // Kafka stays down at least 20 s, and until the breaker has been seen open (at most 60 s):
            // stopping the broker and noticing it both take seconds on a busy machine.
            long started = System.nanoTime();
            while (System.nanoTime() - started < Duration.ofSeconds(20).toNanos()
                    || (!breakerOpened && System.nanoTime() - started < Duration.ofSeconds(60).toNanos())) {
                String id = createOrder(); // commands keep succeeding: the store does not wait for Kafka
                assertEquals(200, http.post("/orders/" + id + "/confirm", null).statusCode());
                ids.add(id);
                String state = await(ordo.vertx.eventBus().<JsonObject>request(
                        ordo.ordo.addresses().relayStatus(), null)).body().getString("breaker");
                breakerOpened |= "OPEN".equals(state);
                Thread.sleep(250);
            }
        } finally {
            TestKafka.broker().start();
        }
        assertTrue(breakerOpened, "the circuit breaker opened during the outage");

        Map<String, List<JsonObject>> read = consume(ids, byOrder -> byOrder.size() == ids.size()
                && byOrder.values().stream().allMatch(events -> events.stream()
                .anyMatch(event -> event.getLong("sequenceNumber") == 2)), Duration.ofSeconds(90));
        assertEquals(ids, read.keySet(), "nothing lost in the outage");
        read.values().forEach(events -> assertInOrderWithoutGaps(events, 2));
        System.out.printf("Kafka outage of 20 s: %d orders, all on Kafka afterwards, in order%n", ids.size());
    }

    @Test
    void twoServersOnOneStoreLoseNothingAndKeepTheOrder() throws InterruptedException {
        // A second server on the same keyspace, with its own aggregate cache and its own relay.
        try (OrdoFixture second = OrdoFixture.start(RelayIT.class, new JsonObject()
                .put("store", new JsonObject().put("keyspace", "it_relayit").put("requestTimeoutMs", 4_000))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollIntervalMs", 200).put("pollDelayMs", POLL_DELAY_MS)
                        .put("verificationWindowMs", VERIFICATION_WINDOW_MS)))) {
            Http other = new Http(second.client);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(createOrder());
            }
            // A WebSocket client of the second server watches an order that the first server changes too.
            List<JsonObject> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
            connect(second, "/ws/orders/" + ids.get(0) + "?fromVersion=1", frames);
            // Both servers change the same orders, concurrently: conflicts are retried, nothing is lost.
            List<Future<HttpResponse<Buffer>>> changes = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (String id : ids) {
                    JsonObject body = new JsonObject().put("items", new JsonArray()
                            .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", round + 1)));
                    OrdoFixture via = round % 2 == 0 ? ordo : second;
                    changes.add(via.client.put("/orders/" + id + "/items").sendJsonObject(body));
                }
            }
            for (Future<HttpResponse<Buffer>> change : changes) {
                assertEquals(200, await(change).statusCode());
            }
            assertEquals(6, other.get("/orders/" + ids.get(0)).bodyAsJsonObject().getLong("version"));

            Map<String, List<JsonObject>> read = consume(Set.copyOf(ids), byOrder -> byOrder.size() == ids.size()
                    && byOrder.values().stream().allMatch(events -> events.stream()
                    .anyMatch(event -> event.getLong("sequenceNumber") == 6)), Duration.ofSeconds(90));
            assertEquals(Set.copyOf(ids), read.keySet());
            int duplicates = 0;
            for (List<JsonObject> events : read.values()) {
                duplicates += assertInOrderWithoutGaps(events, 6);
            }
            System.out.printf("two servers, 20 orders x 6 events: all on Kafka in order, %d duplicates%n", duplicates);

            Eventually.value(Duration.ofSeconds(20), "6 frames on the second server's live feed", () -> frames,
                    seen -> seen.size() >= 6);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), frames.stream().map(frame -> frame.getLong("sequenceNumber")).toList(),
                    "the live feed shows both servers' events, from Kafka, without gap or repeat");
        }
    }

    @Test
    void aCommitWithoutTheFastPathIsPublishedByThePollingSource() {
        // Appended beside the server: no aggregate verticle, so no fast-path hint; only the outbox intent.
        EventStore store = beside.eventStore();
        UUID id = UUID.randomUUID();
        await(store.append("Order", id, 0, List.of(new OrderEvent.OrderCreated(UUID.randomUUID(),
                List.of(OrderItem.of(UUID.randomUUID(), 1))), new OrderEvent.OrderConfirmed()), CommandMetadata.system()));

        Map<String, List<JsonObject>> read = consume(Set.of(id.toString()), byOrder -> byOrder.containsKey(id.toString())
                && byOrder.get(id.toString()).size() >= 2, Duration.ofSeconds(60));

        assertInOrderWithoutGaps(read.get(id.toString()), 2);
    }

    @Test
    void anIntentThatWasNeverCommittedIsNeverPublished() {
        UUID orphan = UUID.randomUUID();
        EventStore crashing = beside.eventStore(FaultInjector.failAt(FaultInjector.Point.AFTER_OUTBOX));
        assertThrows(FaultInjector.InjectedFault.class, () -> await(crashing.append("Order", orphan, 0,
                List.of(new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)))),
                CommandMetadata.system())));
        // A committed order after it: once it is on Kafka, the poller has passed the orphan's intent.
        UUID later = UUID.randomUUID();
        await(beside.eventStore().append("Order", later, 0, List.of(new OrderEvent.OrderCreated(UUID.randomUUID(),
                List.of(OrderItem.of(UUID.randomUUID(), 1)))), CommandMetadata.system()));

        Map<String, List<JsonObject>> read = consume(Set.of(orphan.toString(), later.toString()),
                byOrder -> byOrder.containsKey(later.toString()), Duration.ofSeconds(60));
        assertTrue(read.containsKey(later.toString()), "the committed order is published");
        // Give the orphan's hint its verification window, then look again.
        Map<String, List<JsonObject>> again = consume(Set.of(orphan.toString()), byOrder -> false,
                Duration.ofMillis(VERIFICATION_WINDOW_MS + 3_000));
        assertFalse(again.containsKey(orphan.toString()), "an uncommitted event never reaches Kafka");
    }
}
