package io.ordo.projection;

import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.es.CommandMetadata;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read side against the real embedded Cassandra and Kafka: every read-model row is judged
 * against the strongly consistent state the event store gives for the same aggregate.
 */
class ProjectionIT {

    private static final String TOKEN = "projection-it-token";
    private static final String ORDER_TOPIC = "projection-it-order-events";
    private static final String CUSTOMER_TOPIC = "projection-it-customer-events";
    private static final String GROUP = "projection-it-" + UUID.randomUUID();
    private static final Map<String, String> OPS = Map.of("Authorization", "Bearer " + TOKEN);
    /**
     * The relay publishes an intent without a fast-path hint (events appended straight to the store here)
     * this long after it: within it, such events reach the read model only through the projections' own
     * gap-filling from the event store.
     */
    private static final long POLL_DELAY_MS = 30_000;

    private static OrdoFixture ordo;
    private static Http http;
    private static StoreFixture beside;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void start() {
        ordo = OrdoFixture.start(ProjectionIT.class, new JsonObject()
                .put("store", new JsonObject().put("requestTimeoutMs", 4_000)
                        .put("topics", new JsonObject().put("Order", ORDER_TOPIC).put("Customer", CUSTOMER_TOPIC)))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollIntervalMs", 200).put("pollDelayMs", POLL_DELAY_MS).put("verificationWindowMs", 2_000))
                .put("projections", new JsonObject().put("consumerGroup", GROUP)
                        .put("maxAttempts", 3).put("retryBackoffMs", 50).put("readYourWritesTimeoutMs", 20_000))
                .put("ops", new JsonObject().put("token", TOKEN)));
        http = new Http(ordo.client);
        beside = StoreFixture.attach("it_projectionit");
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
        beside.close();
        ordo.close();
    }

    @Test
    void aClientReadsItsOwnWritesFromTheReadModel() {
        String customer = http.customer("ryw-" + UUID.randomUUID() + "@example.com");
        HttpResponse<Buffer> created = http.post("/orders", order(customer, 2));
        String id = created.bodyAsJsonObject().getString("orderId");
        assertEquals("\"1\"", created.getHeader("ETag"));

        JsonObject first = summary(id, created.getHeader("ETag"));
        assertEquals(1, first.getLong("version"));
        assertEquals("CREATED", first.getString("status"));

        HttpResponse<Buffer> confirmed = http.post("/orders/" + id + "/confirm", null);
        JsonObject second = summary(id, confirmed.getHeader("ETag"));
        assertEquals("CONFIRMED", second.getString("status"));
        assertEquals(2, second.getLong("version"));
        assertEquals(http.get("/orders/" + id).bodyAsJsonObject(), second, "the summary is the order at that version");

        // The write that projected version 2 also listed the order under its customer and its status.
        JsonArray listed = http.get("/customers/" + customer + "/orders").bodyAsJsonObject().getJsonArray("orders");
        assertEquals(1, listed.size());
        assertEquals(id, listed.getJsonObject(0).getString("orderId"));
        assertEquals("CONFIRMED", listed.getJsonObject(0).getString("status"));
        assertEquals(2, listed.getJsonObject(0).getLong("version"));
        assertEquals(3, listed.getJsonObject(0).getInteger("itemCount"), "quantities 1 and 2");
        assertEquals(List.of(id), ids(http.get("/customers/" + customer + "/orders?status=CONFIRMED")));
        assertEquals(List.of(), ids(http.get("/customers/" + customer + "/orders?status=CREATED")));
        assertTrue(ordersInStatus("CONFIRMED").contains(id));
        assertFalse(ordersInStatus("CREATED").contains(id), "a status change removes the order from its old status");

        assertEquals(1, summaryOfCustomer(customer, 1, 1).getLong("orderCount"));
    }

    @Test
    void afterARandomLoadEveryRowEqualsAReplayOfTheEventStore() throws Exception {
        Random random = new Random(42);
        List<String> customers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            customers.add(http.customer("load-" + i + "-" + UUID.randomUUID() + "@example.com"));
        }
        Map<String, String> customerOf = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            String customer = customers.get(random.nextInt(customers.size()));
            customerOf.put(http.post("/orders", order(customer, 1 + random.nextInt(3))).bodyAsJsonObject()
                    .getString("orderId"), customer);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (String id : customerOf.keySet()) {
                long seed = random.nextLong();
                runs.add(pool.submit(() -> randomCommands(id, new Random(seed))));
            }
            for (Future<?> run : runs) {
                run.get();
            }
            // Customers change too, while their orders do.
            for (String customer : customers) {
                assertEquals(200, http.put("/customers/" + customer, new JsonObject().put("firstName", "Bo")
                        .put("lastName", "Ng").put("phone", "+4915112345678")).statusCode());
            }
        } finally {
            pool.shutdownNow();
        }

        for (String id : customerOf.keySet()) {
            JsonObject truth = http.get("/orders/" + id).bodyAsJsonObject();
            assertEquals(truth, summary(id, truth.getLong("version").toString()), "order " + id);
        }
        for (String customer : customers) {
            JsonObject truth = http.get("/customers/" + customer).bodyAsJsonObject();
            long expectedOrders = customerOf.values().stream().filter(customer::equals).count();
            JsonObject row = summaryOfCustomer(customer, truth.getLong("version"), expectedOrders);
            assertEquals(expectedOrders, ((Number) row.remove("orderCount")).longValue());
            assertEquals(truth, row, "customer " + customer);

            JsonArray listed = allPages("/customers/" + customer + "/orders?limit=3");
            Set<String> expectedIds = new HashSet<>();
            customerOf.forEach((order, owner) -> {
                if (owner.equals(customer)) {
                    expectedIds.add(order);
                }
            });
            Set<String> listedIds = new HashSet<>();
            Instant previousCreatedAt = null;
            for (int i = 0; i < listed.size(); i++) {
                JsonObject entry = listed.getJsonObject(i);
                listedIds.add(entry.getString("orderId"));
                JsonObject truthOfEntry = http.get("/orders/" + entry.getString("orderId")).bodyAsJsonObject();
                assertEquals(truthOfEntry.getString("status"), entry.getString("status"));
                assertEquals(truthOfEntry.getLong("version"), entry.getLong("version"));
                assertEquals(truthOfEntry.getJsonObject("total"), entry.getJsonObject("total"));
                // Compared as instants: ISO-8601 text drops a zero fraction ("…:18Z" sorts after "…:18.5Z").
                Instant createdAt = Instant.parse(entry.getString("createdAt"));
                if (previousCreatedAt != null) {
                    assertFalse(createdAt.isAfter(previousCreatedAt), "newest first");
                }
                previousCreatedAt = createdAt;
            }
            assertEquals(expectedIds, listedIds, "the orders of customer " + customer);
            assertEquals(expectedIds.size(), listed.size(), "each order of customer " + customer + " listed once");
        }
        for (String status : List.of("CREATED", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED")) {
            Set<String> inStatus = ordersInStatus(status);
            for (String id : customerOf.keySet()) {
                String truth = http.get("/orders/" + id).bodyAsJsonObject().getString("status");
                assertEquals(truth.equals(status), inStatus.contains(id), "order " + id + " listed under " + status);
            }
        }
    }

    @Test
    void duplicatesAndOutOfOrderDeliveriesLeaveTheReadModelCorrect() {
        String customer = http.customer("dup-" + UUID.randomUUID() + "@example.com");
        String id = http.post("/orders", order(customer, 1)).bodyAsJsonObject().getString("orderId");
        http.post("/orders/" + id + "/confirm", null);
        http.post("/orders/" + id + "/ship", new JsonObject().put("trackingNumber", "T-1").put("carrier", "UPS"));
        summary(id, "3");
        JsonArray stored = http.get("/orders/" + id + "/events").bodyAsJsonObject().getJsonArray("events");

        // Old events again, backwards and twice: none may make the row older. With the state in memory they are
        // skipped; then, after a rebalance has emptied that memory, each is written at its own (older) version's
        // write time, and the row keeps version 3 only because the later write time wins.
        RecordMetadata last = null;
        for (int index : new int[]{1, 0, 2, 0, 1}) {
            last = awaitSent(new ProducerRecord<>(ORDER_TOPIC, id, stored.getJsonObject(index).encode()));
        }
        awaitConsumed(last);
        JsonObject truth = http.get("/orders/" + id).bodyAsJsonObject();
        assertEquals(truth, http.get("/orders/" + id + "/summary").bodyAsJsonObject(), "the row still holds version 3");

        rebalance();
        long appliedBefore = projectionsStatus().getLong("appliedEvents");
        last = awaitSent(new ProducerRecord<>(ORDER_TOPIC, id, stored.getJsonObject(1).encode()));
        awaitConsumed(last);
        assertTrue(projectionsStatus().getLong("appliedEvents") > appliedBefore,
                "version 2, with nothing in memory, was written (at its own write time)");
        assertEquals(truth, http.get("/orders/" + id + "/summary").bodyAsJsonObject(), "the row still holds version 3");
        assertEquals(Set.of(id), Set.copyOf(ids(http.get("/customers/" + customer + "/orders?status=SHIPPED"))));
        assertEquals(List.of(), ids(http.get("/customers/" + customer + "/orders?status=CONFIRMED")));
        HttpResponse<Buffer> delivered = http.post("/orders/" + id + "/deliver", new JsonObject().put("signature", "A. B."));
        assertEquals(200, delivered.statusCode());
        JsonObject row = summary(id, delivered.getHeader("ETag")); // behind the replays in the same partition
        assertEquals(http.get("/orders/" + id).bodyAsJsonObject(), row);

        // An aggregate whose third event arrives first (the first two were never delivered to the topic):
        // the projection takes the state at version 3 from the event store.
        UUID gap = UUID.randomUUID();
        await(beside.eventStore().append("Order", gap, 0, List.of(
                new OrderEvent.OrderCreated(UUID.fromString(customer), List.of(OrderItem.of(UUID.randomUUID(), 4))),
                new OrderEvent.OrderConfirmed(), new OrderEvent.OrderShipped("T-9", "DHL")), CommandMetadata.system()));
        JsonObject third = http.get("/orders/" + gap + "/events?from=3").bodyAsJsonObject().getJsonArray("events")
                .getJsonObject(0);
        long appended = System.currentTimeMillis();
        awaitConsumed(awaitSent(new ProducerRecord<>(ORDER_TOPIC, gap.toString(), third.encode())));
        // Read at once, without minVersion: the relay has not published versions 1 and 2 yet.
        HttpResponse<Buffer> gapFilled = http.get("/orders/" + gap + "/summary");
        assertTrue(System.currentTimeMillis() - appended < POLL_DELAY_MS, "the relay could have published it by now");
        assertEquals(200, gapFilled.statusCode(), gapFilled.bodyAsString());
        assertEquals(http.get("/orders/" + gap).bodyAsJsonObject(), gapFilled.bodyAsJsonObject());
    }

    @Test
    void anEventThatCannotBeAppliedIsParkedAndOthersCarryOn() {
        String customer = http.customer("poison-" + UUID.randomUUID() + "@example.com");
        String poisoned = http.post("/orders", order(customer, 1)).bodyAsJsonObject().getString("orderId");
        String healthy = http.post("/orders", order(customer, 1)).bodyAsJsonObject().getString("orderId");
        summary(poisoned, "1");

        JsonObject parked = poisonAtVersion2(poisoned);
        assertEquals(2, parked.getLong("sequenceNumber"));
        assertEquals(3, parked.getInteger("attempts"));

        // The parked order's later events wait; another order's go on.
        assertEquals(200, http.post("/orders/" + poisoned + "/confirm", null).statusCode());
        HttpResponse<Buffer> other = http.post("/orders/" + healthy + "/confirm", null);
        assertEquals("CONFIRMED", summary(healthy, other.getHeader("ETag")).getString("status"));
        assertEquals(1, http.get("/orders/" + poisoned + "/summary").bodyAsJsonObject().getLong("version"));

        HttpResponse<Buffer> retried = http.send(HttpMethod.POST, "/ops/projections/orders/dead-letters/" + poisoned + "/retry",
                null, OPS);
        assertEquals(200, retried.statusCode(), retried.bodyAsString());
        assertEquals(2, retried.bodyAsJsonObject().getLong("version"));
        assertEquals(http.get("/orders/" + poisoned).bodyAsJsonObject(), summary(poisoned, "2"));
        assertNull(deadLetterOf(poisoned), "a retried dead letter is gone");
    }

    @Test
    void aDeadLetterReleasedElsewhereLetsTheAggregateGoOnHere() {
        String customer = http.customer("released-" + UUID.randomUUID() + "@example.com");
        String order = http.post("/orders", order(customer, 1)).bodyAsJsonObject().getString("orderId");
        summary(order, "1");
        poisonAtVersion2(order);

        // What a retry handled by another instance does to the table; this instance still holds it parked.
        beside.session.execute("DELETE FROM it_projectionit.projection_dead_letters WHERE projection = 'orders' AND aggregate_id = "
                + order);
        HttpResponse<Buffer> confirmed = http.post("/orders/" + order + "/confirm", null);
        assertEquals(http.get("/orders/" + order).bodyAsJsonObject(), summary(order, confirmed.getHeader("ETag")),
                "the table, not this instance's memory, says whether the order still waits");
    }

    @Test
    void aRebuildUnderLoadEndsEqualToTheEventStore() throws Exception {
        String customer = http.customer("rebuild-" + UUID.randomUUID() + "@example.com");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String id = http.post("/orders", order(customer, 1)).bodyAsJsonObject().getString("orderId");
            http.post("/orders/" + id + "/confirm", null);
            ids.add(id);
        }
        summary(ids.get(ids.size() - 1), "2");
        // Damage: a lost table, and a row that lies at its own version (a projection bug, say).
        beside.session.execute("TRUNCATE it_projectionit.orders_by_customer");
        // Written at the live write time of version 2: 'SHIPPED' wins the tie with 'CONFIRMED' (the larger value does).
        long liveWriteTime = Projection.writeTime(2, 0);
        beside.session.execute("UPDATE it_projectionit.order_read_model USING TIMESTAMP " + liveWriteTime
                + " SET status = 'SHIPPED' WHERE order_id = " + ids.get(0));
        assertEquals("SHIPPED", http.get("/orders/" + ids.get(0) + "/summary").bodyAsJsonObject().getString("status"));

        // Load while it rebuilds: new orders, and the first ones shipped or cancelled (each command once per order).
        AtomicBoolean loading = new AtomicBoolean(true);
        List<String> created = Collections.synchronizedList(new ArrayList<>());
        ExecutorService load = Executors.newSingleThreadExecutor();
        Future<?> commands = load.submit(() -> {
            for (int i = 1; loading.get(); i++) {
                HttpResponse<Buffer> response = http.post("/orders", order(customer, 1));
                assertEquals(201, response.statusCode(), response.bodyAsString());
                created.add(response.bodyAsJsonObject().getString("orderId"));
                if (i < ids.size()) {
                    HttpResponse<Buffer> changed = i % 2 == 0
                            ? http.post("/orders/" + ids.get(i) + "/cancel", new JsonObject().put("reason", "r"))
                            : http.post("/orders/" + ids.get(i) + "/ship", new JsonObject().put("trackingNumber", "T")
                            .put("carrier", "UPS"));
                    assertEquals(200, changed.statusCode(), changed.bodyAsString());
                }
            }
            return null;
        });
        try {
            HttpResponse<Buffer> started = http.send(HttpMethod.POST, "/ops/projections/orders/rebuild", null, OPS);
            assertEquals(202, started.statusCode(), started.bodyAsString());
            long epoch = started.bodyAsJsonObject().getLong("epoch");
            JsonObject rebuild = awaitRebuildDone("orders");
            assertEquals(epoch, rebuild.getLong("epoch"));
            assertTrue(rebuild.getLong("aggregates") >= ids.size(), rebuild.encode());
        } finally {
            loading.set(false);
            commands.get();
            load.shutdownNow();
        }
        assertFalse(created.isEmpty(), "commands ran during the rebuild");
        ids.addAll(created);

        Map<String, String> statusOf = new HashMap<>();
        for (String id : ids) {
            JsonObject truth = http.get("/orders/" + id).bodyAsJsonObject();
            assertEquals(truth, summary(id, truth.getLong("version").toString()), "order " + id);
            statusOf.put(id, truth.getString("status"));
        }
        Set<String> listed = new HashSet<>();
        allPages("/customers/" + customer + "/orders?limit=7").forEach(entry -> listed.add(((JsonObject) entry).getString("orderId")));
        assertEquals(new HashSet<>(ids), listed);
        for (String status : List.of("CREATED", "CONFIRMED", "SHIPPED", "CANCELLED")) {
            Set<String> inStatus = ordersInStatus(status);
            statusOf.forEach((id, truth) ->
                    assertEquals(truth.equals(status), inStatus.contains(id), "order " + id + " listed under " + status));
        }
        assertEquals(ids.size(), summaryOfCustomer(customer, 1, ids.size()).getLong("orderCount"));
    }

    @Test
    void badQueriesGetClearErrors() {
        assertProblem(http.get("/orders?status=LOST"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/orders?limit=0"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/orders?limit=5000"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/orders?status=CREATED&cursor=bm9wZQ"), 400, "INVALID_CURSOR");
        assertProblem(http.get("/orders/" + UUID.randomUUID() + "/summary"), 404, "ORDER_NOT_FOUND");
        assertProblem(http.get("/orders/not-a-uuid/summary"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/orders/" + UUID.randomUUID() + "/summary?minVersion=x"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/customers/" + UUID.randomUUID() + "/summary"), 404, "CUSTOMER_NOT_FOUND");
        assertProblem(http.get("/orders?status=CREATED&minVersion=2"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/customers/" + UUID.randomUUID() + "/orders?minVersion=2"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/ops/projections"), 401, "UNAUTHORIZED");
        assertProblem(http.send(HttpMethod.POST, "/ops/projections/nope/rebuild", null, OPS), 404, "NOT_FOUND");
        // A cursor from one query does not page another.
        String customer = http.customer("cursor-" + UUID.randomUUID() + "@example.com");
        for (int i = 0; i < 3; i++) {
            http.post("/orders", order(customer, 1));
        }
        String lastId = http.post("/orders", order(customer, 1)).bodyAsJsonObject().getString("orderId");
        summary(lastId, "1");
        String next = http.get("/customers/" + customer + "/orders?limit=2").bodyAsJsonObject().getString("next");
        assertNotNull(next);
        assertProblem(http.get("/orders?status=CREATED&cursor=" + next), 400, "INVALID_CURSOR");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static JsonObject order(String customer, int lines) {
        JsonArray items = new JsonArray();
        for (int i = 0; i < lines; i++) {
            items.add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1 + i)
                    .put("unitPrice", new JsonObject().put("amountMinor", 250 * (i + 1)).put("currency", "EUR")));
        }
        return new JsonObject().put("customerId", customer).put("items", items);
    }

    private static void randomCommands(String id, Random random) {
        int commands = random.nextInt(7);
        for (int i = 0; i < commands; i++) {
            HttpResponse<Buffer> response = switch (random.nextInt(5)) {
                case 0 -> http.put("/orders/" + id + "/items", new JsonObject().put("items", order(UUID.randomUUID()
                        .toString(), 1 + random.nextInt(3)).getJsonArray("items")).put("reason", "changed"));
                case 1 -> http.post("/orders/" + id + "/confirm", null);
                case 2 -> http.post("/orders/" + id + "/ship", new JsonObject().put("trackingNumber", "T-" + i)
                        .put("carrier", "DHL"));
                case 3 -> http.post("/orders/" + id + "/deliver", new JsonObject().put("signature", "S"));
                default -> http.post("/orders/" + id + "/cancel", new JsonObject().put("reason", "changed my mind"));
            };
            assertTrue(response.statusCode() < 500, response.bodyAsString());
        }
    }

    /** The order's summary once it reflects {@code minVersion} (a version or an ETag). */
    private static JsonObject summary(String id, String minVersion) {
        HttpResponse<Buffer> response = http.get("/orders/" + id + "/summary?minVersion=" + minVersion);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        assertEquals("\"" + response.bodyAsJsonObject().getLong("version") + "\"", response.getHeader("ETag"));
        return response.bodyAsJsonObject();
    }

    /**
     * The customer's summary once it reflects {@code minVersion} and counts {@code orders} orders (the
     * two come from different projections, each eventually consistent).
     */
    private static JsonObject summaryOfCustomer(String id, long minVersion, long orders) {
        return Eventually.value(Duration.ofSeconds(30), "customer " + id + " at version " + minVersion + " counting "
                + orders + " orders", () -> {
                    HttpResponse<Buffer> response = http.get("/customers/" + id + "/summary?minVersion=" + minVersion);
                    assertEquals(200, response.statusCode(), response.bodyAsString());
                    return response.bodyAsJsonObject();
                }, summary -> summary.getLong("orderCount") == orders);
    }

    private static List<String> ids(HttpResponse<Buffer> page) {
        assertEquals(200, page.statusCode(), page.bodyAsString());
        List<String> ids = new ArrayList<>();
        page.bodyAsJsonObject().getJsonArray("orders").forEach(entry -> ids.add(((JsonObject) entry).getString("orderId")));
        return ids;
    }

    private static JsonObject projectionsStatus() {
        HttpResponse<Buffer> status = http.send(HttpMethod.GET, "/ops/projections", null, OPS);
        assertEquals(200, status.statusCode(), status.bodyAsString());
        return status.bodyAsJsonObject();
    }

    /**
     * Makes the projections' consumer group rebalance (another member joins and leaves), which empties the
     * state they hold in memory: what a restart or a second instance does.
     */
    private static void rebalance() {
        try (KafkaConsumer<String, String> member = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new StringDeserializer())) {
            AtomicBoolean joined = new AtomicBoolean();
            member.subscribe(List.of(ORDER_TOPIC, CUSTOMER_TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    joined.set(true); // called once the group has rebalanced, whether it got partitions or not
                }
            });
            long deadline = System.currentTimeMillis() + 30_000;
            while (!joined.get() && System.currentTimeMillis() < deadline) {
                member.poll(Duration.ofMillis(100));
            }
            assertTrue(joined.get(), "the extra member never joined the group");
        }
    }

    private static Set<String> ordersInStatus(String status) {
        Set<String> ids = new HashSet<>();
        allPages("/orders?status=" + status + "&limit=25").forEach(entry -> ids.add(((JsonObject) entry).getString("orderId")));
        return ids;
    }

    private static JsonArray allPages(String path) {
        JsonArray all = new JsonArray();
        String next = null;
        do {
            HttpResponse<Buffer> page = http.get(path + (next == null ? "" : "&cursor=" + next));
            assertEquals(200, page.statusCode(), page.bodyAsString());
            all.addAll(page.bodyAsJsonObject().getJsonArray("orders"));
            next = page.bodyAsJsonObject().getString("next");
        } while (next != null);
        return all;
    }

    /** Sends an event of an unknown type as the order's version 2 and waits until it is parked; answers its dead letter. */
    private static JsonObject poisonAtVersion2(String order) {
        JsonObject poison = http.get("/orders/" + order + "/events").bodyAsJsonObject().getJsonArray("events")
                .getJsonObject(0).copy().put("eventId", UUID.randomUUID().toString()).put("sequenceNumber", 2)
                .put("eventType", "OrderTeleported");
        producer.send(new ProducerRecord<>(ORDER_TOPIC, order, poison.encode()));
        producer.flush();
        return awaitDeadLetter(order);
    }

    private static RecordMetadata awaitSent(ProducerRecord<String, String> record) {
        try {
            return producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the projections committed past {@code record}: they commit only what they wrote. */
    private static void awaitConsumed(RecordMetadata record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            Eventually.until(Duration.ofSeconds(30), "the projections got past offset " + record.offset() + " of " + partition,
                    () -> {
                        OffsetAndMetadata committed;
                        try {
                            committed = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()
                                    .get(partition);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        } catch (ExecutionException e) {
                            throw new IllegalStateException(e);
                        }
                        return committed != null && committed.offset() > record.offset();
                    });
        }
    }

    private static JsonObject deadLetterOf(String id) {
        HttpResponse<Buffer> status = http.send(HttpMethod.GET, "/ops/projections", null, OPS);
        assertEquals(200, status.statusCode(), status.bodyAsString());
        for (Object projection : status.bodyAsJsonObject().getJsonArray("projections")) {
            for (Object letter : ((JsonObject) projection).getJsonArray("deadLetters")) {
                if (((JsonObject) letter).getString("aggregateId").equals(id)) {
                    return (JsonObject) letter;
                }
            }
        }
        return null;
    }

    private static JsonObject awaitDeadLetter(String id) {
        return Eventually.value(Duration.ofSeconds(30), "a dead letter for " + id, () -> deadLetterOf(id), Objects::nonNull);
    }

    private static JsonObject awaitRebuildDone(String name) {
        JsonObject rebuild = Eventually.value(Duration.ofSeconds(120), "the rebuild of " + name + " finished", () -> {
            HttpResponse<Buffer> status = http.send(HttpMethod.GET, "/ops/projections", null, OPS);
            for (Object projection : status.bodyAsJsonObject().getJsonArray("projections")) {
                if (((JsonObject) projection).getString("name").equals(name)) {
                    return ((JsonObject) projection).getJsonObject("rebuild");
                }
            }
            return null;
        }, found -> found != null && !found.getString("state").equals("REBUILDING"));
        assertEquals("DONE", rebuild.getString("state"), rebuild.encode());
        return rebuild;
    }

    private static void assertProblem(HttpResponse<Buffer> response, int status, String code) {
        assertEquals(status, response.statusCode(), response.bodyAsString());
        assertEquals("application/problem+json", response.getHeader("Content-Type"));
        assertEquals(code, response.bodyAsJsonObject().getString("code"), response.bodyAsString());
    }
}
