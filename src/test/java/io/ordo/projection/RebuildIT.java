package io.ordo.projection;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rebuilds against the real embedded Cassandra and Kafka: a read model damaged the way a buggy
 * projection would leave it ends, after a rebuild, equal to a replay of the event store; a failing
 * aggregate is retried, then fails the rebuild by name; a newer rebuild supersedes an older one.
 */
class RebuildIT {

    private static final String KEYSPACE = "it_rebuildit";
    private static final String TOKEN = "rebuild-it-token";
    private static final String RUN = UUID.randomUUID().toString();
    private static final Map<String, String> OPS = Map.of("Authorization", "Bearer " + TOKEN);
    /**
     * The rebuild's backoff: a poisoned aggregate holds a rebuild about 3 s (1 + 2 s) before it fails,
     * time enough, on a loaded CI machine too, for what a test does while it runs.
     */
    private static final long BACKOFF_MS = 1_000;
    private static final int ATTEMPTS = 3;
    private static final List<String> STATUSES = List.of("CREATED", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED");

    private static StoreFixture beside;
    private static OrdoFixture ordo;
    private static Http http;

    @BeforeAll
    static void start() {
        beside = StoreFixture.create(RebuildIT.class, 100); // a fresh keyspace: every row in it is this run's
        ordo = OrdoFixture.start(RebuildIT.class, config());
        http = new Http(ordo.client);
    }

    @AfterAll
    static void stop() {
        ordo.close();
        beside.close();
    }

    /** The same for every server of this class: one store, one set of topics, one consumer group. */
    private static JsonObject config() {
        return new JsonObject()
                .put("store", new JsonObject().put("requestTimeoutMs", 4_000).put("topics", new JsonObject()
                        .put("Order", "rebuild-it-orders-" + RUN).put("Customer", "rebuild-it-customers-" + RUN)))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollIntervalMs", 200).put("pollDelayMs", 5_000).put("verificationWindowMs", 2_000))
                .put("projections", new JsonObject().put("consumerGroup", "rebuild-it-" + RUN)
                        .put("maxAttempts", ATTEMPTS).put("retryBackoffMs", BACKOFF_MS).put("readYourWritesTimeoutMs", 20_000))
                .put("ops", new JsonObject().put("token", TOKEN));
    }

    @Test
    void aRebuildRemovesWhatNoStreamExplainsAndEndsEqualToTheEventStore() {
        UUID ann = UUID.fromString(http.customer("ann-" + RUN + "@example.com"));
        UUID bob = UUID.fromString(http.customer("bob-" + RUN + "@example.com"));
        UUID created = order(ann);
        UUID confirmed = order(ann);
        command(confirmed, "/confirm", null);
        UUID shipped = order(bob);
        command(shipped, "/confirm", null);
        command(shipped, "/ship", new JsonObject().put("trackingNumber", "T-7").put("carrier", "DHL"));
        List<UUID> orders = List.of(created, confirmed, shipped);
        for (UUID id : orders) {
            summary(id, truth(id).getLong("version"));
        }
        awaitOrderCount(ann, 2);
        awaitOrderCount(bob, 1);

        // The damage a buggy projection could have left, each at a write time such a projection uses.
        Instant confirmedAt = Instant.parse(truth(confirmed).getString("createdAt"));
        cql("UPDATE %s.orders_by_status USING TIMESTAMP ? SET customer_id = ?, version = 1 "
                + "WHERE status = 'CANCELLED' AND created_at = ? AND order_id = ?", at(1), ann, confirmedAt, confirmed);
        cql("UPDATE %s.orders_by_status USING TIMESTAMP ? SET customer_id = ?, version = 1 "
                + "WHERE status = 'CONFIRMED' AND created_at = ? AND order_id = ?", at(1), ann,
                confirmedAt.minusSeconds(5), confirmed);
        cql("UPDATE %s.orders_by_customer USING TIMESTAMP ? SET status = 'SHIPPED', version = 3 "
                + "WHERE customer_id = ? AND created_at = ? AND order_id = ?", at(3), ann,
                Instant.parse(truth(shipped).getString("createdAt")), shipped);
        UUID orphan = UUID.randomUUID(); // an order the event store never had
        Instant orphanAt = Instant.parse("2024-05-01T10:00:00Z");
        cql("UPDATE %s.order_read_model USING TIMESTAMP ? SET customer_id = ?, status = 'CONFIRMED', items = '[]', "
                + "item_count = 1, version = 2, created_at = ?, updated_at = ? WHERE order_id = ?", at(2), ann, orphanAt,
                orphanAt, orphan);
        cql("UPDATE %s.orders_by_customer USING TIMESTAMP ? SET status = 'CONFIRMED', version = 2 "
                + "WHERE customer_id = ? AND created_at = ? AND order_id = ?", at(2), ann, orphanAt, orphan);
        cql("UPDATE %s.orders_by_status USING TIMESTAMP ? SET customer_id = ?, version = 2 "
                + "WHERE status = 'CONFIRMED' AND created_at = ? AND order_id = ?", at(2), ann, orphanAt, orphan);
        cql("UPDATE %s.customer_read_model USING TIMESTAMP ? SET order_ids = order_ids + ? WHERE customer_id = ?", at(1),
                Set.of(orphan), ann);
        UUID unlisted = UUID.randomUUID(); // listed under a status, with neither a row nor a stream
        cql("UPDATE %s.orders_by_status USING TIMESTAMP ? SET customer_id = ?, version = 3 "
                + "WHERE status = 'SHIPPED' AND created_at = ? AND order_id = ?", at(3), bob, orphanAt, unlisted);
        UUID stray = UUID.randomUUID(); // among bob's orders only
        cql("UPDATE %s.customer_read_model USING TIMESTAMP ? SET order_ids = order_ids + ? WHERE customer_id = ?", at(1),
                Set.of(stray, created), bob);
        UUID ghost = UUID.randomUUID(); // a customer the event store never had
        cql("UPDATE %s.customer_read_model USING TIMESTAMP ? SET email = 'ghost@example.com', first_name = 'G', "
                + "last_name = 'H', status = 'ACTIVE', version = 1, created_at = ?, updated_at = ? WHERE customer_id = ?",
                at(1), orphanAt, orphanAt, ghost);

        // The damage shows.
        assertEquals(200, http.get("/orders/" + orphan + "/summary").statusCode());
        assertEquals(200, http.get("/customers/" + ghost + "/summary").statusCode());
        assertEquals(Set.of(created, confirmed, shipped, orphan), listed("orders_by_customer", "customer_id", ann));
        assertEquals(3, orderIds(bob).size());

        JsonObject ordersRebuilt = rebuild("orders");
        // The orphan (row, two list rows, its place among ann's orders), the early CONFIRMED row, the
        // shipped order under ann, the unlisted order, stray and created among bob's orders. (The
        // CANCELLED row shares the order's key: the replay removes it.)
        assertEquals(9, ordersRebuilt.getLong("swept"), ordersRebuilt.encode());
        assertEquals(streams("Order"), ordersRebuilt.getLong("aggregates"), ordersRebuilt.encode());
        JsonObject customersRebuilt = rebuild("customers");
        assertEquals(1, customersRebuilt.getLong("swept"), customersRebuilt.encode());
        assertEquals(streams("Customer"), customersRebuilt.getLong("aggregates"), customersRebuilt.encode());

        for (UUID id : orders) {
            JsonObject truth = truth(id);
            assertEquals(truth, summary(id, truth.getLong("version")), "order " + id);
        }
        assertEquals(404, http.get("/orders/" + orphan + "/summary").statusCode());
        assertEquals(404, http.get("/customers/" + ghost + "/summary").statusCode());
        assertNull(one("SELECT order_id FROM %s.order_read_model WHERE order_id = ?", orphan));
        assertNull(one("SELECT customer_id FROM %s.customer_read_model WHERE customer_id = ?", ghost),
                "the ghost's row holds nothing any more");
        for (UUID customer : List.of(ann, bob)) {
            JsonObject truth = http.get("/customers/" + customer).bodyAsJsonObject();
            JsonObject row = http.get("/customers/" + customer + "/summary").bodyAsJsonObject();
            assertEquals(customer.equals(ann) ? 2 : 1, ((Number) row.remove("orderCount")).longValue());
            assertEquals(truth, row, "customer " + customer);
        }
        assertEquals(Set.of(created, confirmed), orderIds(ann));
        assertEquals(Set.of(shipped), orderIds(bob));
        assertEquals(Set.of(created, confirmed), listed("orders_by_customer", "customer_id", ann));
        assertEquals(Set.of(shipped), listed("orders_by_customer", "customer_id", bob));

        // Each order once, under its status and its creation time; neither the orphan nor the unlisted one.
        Set<UUID> ours = Set.of(created, confirmed, shipped, orphan, unlisted);
        Map<UUID, String> statusOf = new HashMap<>();
        Map<UUID, Instant> createdAtOf = new HashMap<>();
        for (String status : STATUSES) {
            for (Row row : beside.session.execute(SimpleStatement.newInstance(
                    "SELECT order_id, created_at FROM " + KEYSPACE + ".orders_by_status WHERE status = ?", status))) {
                UUID id = row.getUuid("order_id");
                if (ours.contains(id)) { // not another test's
                    assertNull(statusOf.put(id, status), "order " + id + " listed twice");
                    createdAtOf.put(id, row.getInstant("created_at"));
                }
            }
        }
        Map<UUID, String> expected = new HashMap<>();
        Map<UUID, Instant> expectedCreatedAt = new HashMap<>();
        for (UUID id : orders) {
            expected.put(id, truth(id).getString("status"));
            expectedCreatedAt.put(id, Instant.parse(truth(id).getString("createdAt")));
        }
        assertEquals(Map.of(created, "CREATED", confirmed, "CONFIRMED", shipped, "SHIPPED"), expected);
        assertEquals(expected, statusOf);
        assertEquals(expectedCreatedAt, createdAtOf);
        Set<UUID> apiListed = new HashSet<>();
        JsonArray page = http.get("/customers/" + ann + "/orders").bodyAsJsonObject().getJsonArray("orders");
        page.forEach(entry -> apiListed.add(UUID.fromString(((JsonObject) entry).getString("orderId"))));
        assertEquals(Set.of(created, confirmed), apiListed);
    }

    @Test
    void aFailingAggregateIsRetriedThenFailsTheRebuildByNameAndASecondPostHereGets409() {
        UUID poisoned = poisonedStream();
        long epoch;
        try {
            epoch = startRebuild(http);
            HttpResponse<Buffer> second = http.send(HttpMethod.POST, "/ops/projections/orders/rebuild", null, OPS);
            assertEquals(409, second.statusCode(), second.bodyAsString());
            assertEquals("REBUILD_RUNNING", second.bodyAsJsonObject().getString("code"));

            JsonObject failed = awaitRebuildEnd(http, "orders");
            assertEquals("FAILED", failed.getString("state"), failed.encode());
            assertEquals(epoch, failed.getLong("epoch"));
            assertTrue(failed.getString("error").startsWith("replaying Order " + poisoned + " failed " + ATTEMPTS + " times: "),
                    failed.getString("error"));
        } finally {
            cql("DELETE FROM %s.event_store WHERE aggregate_id = ?", poisoned);
        }
        // A FAILED rebuild is no obstacle: the next one claims the next epoch.
        assertEquals(epoch + 1, startRebuild(http));
        JsonObject done = awaitRebuildEnd(http, "orders");
        assertEquals("DONE", done.getString("state"), done.encode());
        assertEquals(epoch + 1, done.getLong("epoch"));
        assertNull(done.getValue("error"));
    }

    @Test
    void aRebuildClaimedOnAnotherServerSupersedesTheOneRunningHere() {
        order(UUID.fromString(http.customer("super-" + RUN + "@example.com")));
        UUID poisoned = poisonedStream(); // holds this server's rebuild in its retries
        try (OrdoFixture otherServer = OrdoFixture.start(RebuildIT.class, config())) {
            Http other = new Http(otherServer.client);
            long older;
            long newer;
            try {
                older = startRebuild(http);
                JsonObject running = rebuildStatus(http, "orders");
                assertEquals("REBUILDING", running.getString("state"), running.encode());
                assertEquals(older, running.getLong("epoch"));
                // What an operator does about a rebuild that seems stuck on another server (or orphaned by a crash).
                newer = startRebuild(other);
            } finally {
                cql("DELETE FROM %s.event_store WHERE aggregate_id = ?", poisoned);
            }
            assertEquals(older + 1, newer);
            JsonObject done = awaitRebuildEnd(other, "orders");
            assertEquals("DONE", done.getString("state"), done.encode());
            assertEquals(newer, done.getLong("epoch"));

            // The older rebuild, past its retries, finds itself superseded and stops without recording.
            sleep(BACKOFF_MS * (1L << ATTEMPTS));
            JsonObject here = rebuildStatus(http, "orders");
            assertEquals("DONE", here.getString("state"), here.encode());
            assertEquals(newer, here.getLong("epoch"));
            assertNull(here.getValue("error"), here.encode());
            assertNull(here.getValue("swept"), "this server ran no rebuild of epoch " + newer);
            // and this server rebuilds again: its superseded rebuild has ended
            assertEquals(newer + 1, startRebuild(http));
            assertEquals("DONE", awaitRebuildEnd(http, "orders").getString("state"));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** A write time of a live projection (epoch 0) at {@code version}. */
    private static long at(long version) {
        return Projection.writeTime(version, 0);
    }

    private static void cql(String statement, Object... values) {
        beside.session.execute(SimpleStatement.newInstance(statement.formatted(KEYSPACE), values));
    }

    private static Row one(String query, Object... values) {
        return beside.session.execute(SimpleStatement.newInstance(query.formatted(KEYSPACE), values)).one();
    }

    private static Set<UUID> orderIds(UUID customer) {
        Row row = one("SELECT order_ids FROM %s.customer_read_model WHERE customer_id = ?", customer);
        return row == null ? Set.of() : row.getSet("order_ids", UUID.class);
    }

    private static Set<UUID> listed(String table, String keyColumn, Object key) {
        Set<UUID> ids = new HashSet<>();
        beside.session.execute(SimpleStatement.newInstance("SELECT order_id FROM " + KEYSPACE + "." + table + " WHERE "
                + keyColumn + " = ?", key)).forEach(row -> ids.add(row.getUuid("order_id")));
        return ids;
    }

    /** How many streams of the type the event store holds: what a rebuild replays. */
    private static long streams(String type) {
        long count = 0;
        for (Row row : beside.session.execute("SELECT DISTINCT aggregate_id, aggregate_type, version FROM " + KEYSPACE
                + ".event_store")) {
            count += !row.isNull("version") && type.equals(row.getString("aggregate_type")) ? 1 : 0;
        }
        return count;
    }

    /** A stream of the event store no replay can read: an event of a type no version of Ordo knows. */
    private static UUID poisonedStream() {
        UUID id = UUID.randomUUID();
        cql("INSERT INTO %s.event_store (aggregate_id, sequence_number, aggregate_type, version, event_id, event_type, "
                + "event_version, event_data, timestamp) VALUES (?, 1, 'Order', 1, ?, 'OrderTeleported', 1, '{}', ?)",
                id, UUID.randomUUID(), Instant.now());
        return id;
    }

    private static UUID order(UUID customer) {
        JsonObject item = new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 2)
                .put("unitPrice", new JsonObject().put("amountMinor", 450).put("currency", "EUR"));
        HttpResponse<Buffer> created = http.post("/orders", new JsonObject().put("customerId", customer.toString())
                .put("items", new JsonArray().add(item)));
        assertEquals(201, created.statusCode(), created.bodyAsString());
        return UUID.fromString(created.bodyAsJsonObject().getString("orderId"));
    }

    private static void command(UUID order, String path, JsonObject body) {
        HttpResponse<Buffer> response = http.post("/orders/" + order + path, body);
        assertEquals(200, response.statusCode(), response.bodyAsString());
    }

    /** The order as the event store gives it. */
    private static JsonObject truth(UUID order) {
        HttpResponse<Buffer> response = http.get("/orders/" + order);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        return response.bodyAsJsonObject();
    }

    /** The order's summary once it reflects {@code minVersion}. */
    private static JsonObject summary(UUID order, long minVersion) {
        HttpResponse<Buffer> response = http.get("/orders/" + order + "/summary?minVersion=" + minVersion);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        return response.bodyAsJsonObject();
    }

    private static void awaitOrderCount(UUID customer, long orders) {
        Eventually.until(Duration.ofSeconds(30), "customer " + customer + " had " + orders + " orders",
                () -> orderIds(customer).size() == orders);
    }

    /** Rebuilds the projection on this server and answers its rebuild status once DONE. */
    private static JsonObject rebuild(String name) {
        long epoch = startRebuild(http, name);
        JsonObject done = awaitRebuildEnd(http, name);
        assertEquals("DONE", done.getString("state"), done.encode());
        assertEquals(epoch, done.getLong("epoch"));
        return done;
    }

    private static long startRebuild(Http server) {
        return startRebuild(server, "orders");
    }

    private static long startRebuild(Http server, String name) {
        HttpResponse<Buffer> started = server.send(HttpMethod.POST, "/ops/projections/" + name + "/rebuild", null, OPS);
        assertEquals(202, started.statusCode(), started.bodyAsString());
        return started.bodyAsJsonObject().getLong("epoch");
    }

    private static JsonObject rebuildStatus(Http server, String name) {
        HttpResponse<Buffer> status = server.send(HttpMethod.GET, "/ops/projections", null, OPS);
        assertEquals(200, status.statusCode(), status.bodyAsString());
        for (Object projection : status.bodyAsJsonObject().getJsonArray("projections")) {
            if (((JsonObject) projection).getString("name").equals(name)) {
                return ((JsonObject) projection).getJsonObject("rebuild");
            }
        }
        throw new AssertionError("no projection " + name + " in " + status.bodyAsString());
    }

    private static JsonObject awaitRebuildEnd(Http server, String name) {
        return Eventually.value(Duration.ofSeconds(120), "the rebuild of " + name + " ended",
                () -> rebuildStatus(server, name), rebuild -> !rebuild.getString("state").equals("REBUILDING"));
    }

    private static void sleep(long ms) {
        // parkNanos: no InterruptedException to wrap; it may wake early, hence the loop
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
