package io.ordo.ops;

import io.ordo.testing.Eventually;
import io.ordo.testing.Http;
import io.ordo.domain.order.OrderEvent;
import io.ordo.es.CommandMetadata;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.StoreFixture;
import io.ordo.testing.TestKafka;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Metrics and health against the real embedded Cassandra and Kafka. */
class OperabilityIT {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*})?) ([-+0-9.eE]+|NaN)$");

    private static OrdoFixture ordo;
    private static Http http;

    @BeforeAll
    static void start() {
        ordo = OrdoFixture.start(OperabilityIT.class, new JsonObject()
                .put("store", new JsonObject().put("requestTimeoutMs", 4_000).put("snapshotEvery", 2)
                        .put("topics", new JsonObject().put("Order", "operability-it-orders").put("Customer", "operability-it-customers")))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollDelayMs", 5_000).put("breakerResetTimeoutMs", 1_000))
                .put("projections", new JsonObject().put("consumerGroup", "operability-it-" + UUID.randomUUID())
                        .put("readYourWritesTimeoutMs", 20_000)), // longer than the polling delay
                OrdoMetrics.vertxOptions());
        http = new Http(ordo.client);
    }

    @AfterAll
    static void stop() {
        ordo.close();
    }

    @Test
    void afterTrafficEveryMeterIsThereWithPlausibleValues() {
        String customer = http.customer("metrics-" + UUID.randomUUID() + "@example.com");
        String last = null;
        for (int i = 0; i < 5; i++) {
            last = http.post("/orders", new JsonObject().put("customerId", customer).put("items", new JsonArray()
                    .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1))))
                    .bodyAsJsonObject().getString("orderId");
            assertEquals(200, http.post("/orders/" + last + "/confirm", null).statusCode());
        }
        assertEquals(409, http.post("/orders/" + last + "/deliver", new JsonObject()).statusCode(), "a rejection");
        // Another writer ships the order behind this server's back: the cancel it then decides on its cached
        // version conflicts, is decided again on the stored one, and succeeds.
        try (StoreFixture beside = StoreFixture.attach("it_operabilityit")) {
            await(beside.eventStore().append("Order", UUID.fromString(last), 2,
                    List.of(new OrderEvent.OrderShipped("T-1", "UPS")), CommandMetadata.system()));
        }
        assertEquals(200, http.post("/orders/" + last + "/cancel", new JsonObject().put("reason", "r")).statusCode());
        assertEquals(200, http.get("/orders/" + last).statusCode(), "a load from the store, from its snapshot");
        assertEquals(200, http.get("/orders/" + last + "/summary?minVersion=2").statusCode(), "projected");
        WebSocketClient client = ordo.vertx.createWebSocketClient();
        WebSocket socket = await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(ordo.port)
                .setURI("/ws/orders")));

        Map<String, Double> metrics = scrape();
        assertAtLeast(metrics, "ordo_commands_seconds_count{command=\"CreateOrder\",outcome=\"accepted\"}", 5);
        assertAtLeast(metrics, "ordo_commands_seconds_count{command=\"ConfirmOrder\",outcome=\"accepted\"}", 5);
        assertAtLeast(metrics, "ordo_commands_seconds_count{command=\"DeliverOrder\",outcome=\"rejected\"}", 1);
        assertAtLeast(metrics, "ordo_commands_seconds_bucket{command=\"CreateOrder\",outcome=\"accepted\",le=\"+Inf\"}", 5);
        assertAtLeast(metrics, "ordo_events_appended_total{aggregate_type=\"Order\"}", 10);
        assertAtLeast(metrics, "ordo_events_appended_total{aggregate_type=\"Customer\"}", 1);
        assertAtLeast(metrics, "ordo_aggregate_cache_hits_total{aggregate_type=\"Order\"}", 5);
        assertAtLeast(metrics, "ordo_aggregate_cache_misses_total{aggregate_type=\"Order\"}", 5);
        assertAtLeast(metrics, "ordo_concurrency_conflicts_total{aggregate_type=\"Order\"}", 1);
        assertAtLeast(metrics, "ordo_command_retries_total{aggregate_type=\"Order\"}", 1);
        assertAtLeast(metrics, "ordo_aggregate_load_seconds_count{aggregate_type=\"Order\"}", 6);
        assertAtLeast(metrics, "ordo_aggregate_events_replayed_count{aggregate_type=\"Order\"}", 6);
        assertAtLeast(metrics, "ordo_snapshot_hits_total{aggregate_type=\"Order\"}", 1);
        assertAtLeast(metrics, "ordo_relay_published_total{aggregate_type=\"Order\"}", 10);
        assertAtLeast(metrics, "ordo_relay_publish_latency_seconds_count{aggregate_type=\"Order\"}", 10);
        assertEquals(0, metrics.get("ordo_relay_breaker_state"), "closed");
        assertAtLeast(metrics, "ordo_outbox_backlog_age_seconds", 0); // it grows while Kafka is away: readinessFollowsKafka
        assertTrue(metrics.get("ordo_outbox_backlog_age_seconds") < 60, "an age in seconds");
        assertEquals(0, metrics.get("ordo_relay_dead_letters"));
        assertEquals(0, metrics.get("ordo_projection_dead_letters"));
        assertAtLeast(metrics, "ordo_projection_applied_total{projection=\"orders\"}", 2);
        assertAtLeast(metrics, "ordo_projection_lag_seconds", 0);
        assertTrue(metrics.get("ordo_projection_lag_seconds") < 60, "a lag in seconds, not milliseconds");
        assertEquals(1, metrics.get("ordo_websocket_clients"));
        double heapUsed = metrics.entrySet().stream().filter(sample -> sample.getKey().startsWith("jvm_memory_used_bytes{area=\"heap\""))
                .mapToDouble(Map.Entry::getValue).sum(); // one pool may be empty right after a collection, not all
        assertTrue(heapUsed > 0, "the JVM's heap meters");
        assertTrue(metrics.keySet().stream().anyMatch(name -> name.startsWith("vertx_http_server_requests_total")),
                "Vert.x's own meters");

        await(socket.close());
        await(client.close());
    }

    @Test
    void aVerticleThatFailsIsRestartedAndTheServerKeepsServing() throws Exception {
        String customer = http.customer("supervised-" + UUID.randomUUID() + "@example.com");

        // The relay's fast-path handler takes hints; anything else makes it throw on the relay's context.
        ordo.vertx.eventBus().send(ordo.ordo.addresses().relay(), "not a hint");
        Eventually.until(Duration.ofSeconds(30), "the relay was restarted",
                () -> scrape().getOrDefault("ordo_verticle_restarts_total{verticle=\"relay\"}", 0.0) >= 1);

        // Serving goes on: commands answer, and what they commit still reaches Kafka and the read model.
        String order = http.post("/orders", new JsonObject().put("customerId", customer).put("items", new JsonArray()
                .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1))))
                .bodyAsJsonObject().getString("orderId");
        assertEquals(200, http.get("/orders/" + order + "/summary?minVersion=1").statusCode());
        assertEquals(200, http.get("/customers/" + customer + "/summary?minVersion=1").statusCode(),
                "the customer registered before the restart was published too");
    }

    @Test
    void readinessIsTheCommandPathsAndTheRelaysHealthFollowsKafka() throws Exception {
        JsonObject ready = awaitHealth("/health/ready", true);
        assertEquals("UP", check(ready, "cassandra").getString("status"));
        assertEquals(4, check(ready, "cassandra").getJsonObject("data").getInteger("schemaVersion"));
        assertEquals("UP", check(ready, "shards").getString("status"), "a single instance serves every shard");
        assertEquals(16, check(ready, "shards").getJsonObject("data").getInteger("owned"));
        JsonObject relay = awaitHealth("/health/relay", true);
        assertEquals("UP", check(relay, "kafka").getString("status"));
        assertEquals("UP", check(relay, "relay").getString("status"));
        assertEquals(200, http.get("/health/live").statusCode());

        TestKafka.broker().stop();
        try {
            JsonObject down = awaitHealth("/health/relay", false);
            assertEquals("DOWN", check(down, "kafka").getString("status"), down.encode());
            // The instance still takes commands: a load balancer keeps sending them, and they wait in the outbox.
            HttpResponse<Buffer> stillReady = http.get("/health/ready");
            assertEquals(200, stillReady.statusCode(), stillReady.bodyAsString());
            assertEquals(200, http.get("/health/live").statusCode());
            http.customer("outage-" + UUID.randomUUID() + "@example.com");
            Eventually.until(Duration.ofSeconds(30), "the backlog ages while Kafka is away",
                    () -> scrape().get("ordo_outbox_backlog_age_seconds") >= 1);
        } finally {
            TestKafka.broker().start();
        }
        assertEquals("UP", check(awaitHealth("/health/relay", true), "kafka").getString("status"));
        Eventually.until(Duration.ofSeconds(60), "the backlog drains once Kafka is back",
                () -> scrape().get("ordo_outbox_backlog_age_seconds") == 0);
    }

    private static JsonObject awaitHealth(String path, boolean up) {
        return Eventually.value(Duration.ofSeconds(60), path + " " + (up ? "UP" : "DOWN"), () -> http.get(path),
                response -> (response.statusCode() == 200) == up).bodyAsJsonObject();
    }

    private static JsonObject check(JsonObject health, String id) {
        for (Object check : health.getJsonArray("checks")) {
            if (((JsonObject) check).getString("id").equals(id)) {
                return (JsonObject) check;
            }
        }
        throw new AssertionError("no check " + id + " in " + health.encode());
    }

    private static Map<String, Double> scrape() {
        HttpResponse<Buffer> response = http.get("/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.getHeader("Content-Type").startsWith("text/plain"));
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.bodyAsString().split("\n")) {
            Matcher sample = SAMPLE.matcher(line.strip());
            if (!line.startsWith("#") && sample.matches()) {
                samples.put(sample.group(1), Double.parseDouble(sample.group(3)));
            }
        }
        return samples;
    }

    private static void assertAtLeast(Map<String, Double> metrics, String sample, double least) {
        Double value = metrics.get(sample);
        assertNotNull(value, "no sample " + sample);
        assertTrue(value >= least, sample + " = " + value + ", expected at least " + least);
    }
}
