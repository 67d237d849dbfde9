package io.ordo.ops;

import io.ordo.embedded.ChildJvm;
import io.ordo.testing.Processes;
import io.ordo.testing.ServerProcess;
import io.ordo.testing.TestCassandra;
import io.ordo.testing.TestKafka;
import io.ordo.testing.TopicReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM in the middle of a load, on the server as a JVM of its own: every command that got a 2xx
 * is on Kafka when the server has exited (the relay flushed; a crash would leave them in the outbox
 * for the next start), and in the event store once a server runs again.
 */
class GracefulShutdownIT {

    private static final String TOPIC = "graceful-shutdown-it-orders";
    private static final int CLIENTS = 8;

    @Test
    void everyAcknowledgedCommandSurvivesASigtermUnderLoad() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "graceful-it");
        int port = ChildJvm.freePort();
        JsonObject config = new JsonObject()
                .put("mode", "external")
                .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 1))
                .put("store", new JsonObject().put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                        .put("keyspace", "it_gracefulshutdownit")
                        .put("topics", new JsonObject().put("Order", TOPIC).put("Customer", "graceful-shutdown-it-customers")))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers()))
                .put("projections", new JsonObject().put("enabled", false));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        Process server = ServerProcess.start(dir, port, config);
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        try {
            String customer = new JsonObject(post(http, port, "/customers", new JsonObject()
                    .put("email", "graceful-" + UUID.randomUUID() + "@example.com")
                    .put("firstName", "Ann").put("lastName", "Lee")).body()).getString("customerId");
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> load = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                load.add(clients.submit(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> created = post(http, port, "/orders", new JsonObject().put("customerId", customer)
                                    .put("items", new JsonArray().add(new JsonObject()
                                            .put("productId", UUID.randomUUID().toString()).put("quantity", 1))));
                            if (created.statusCode() / 100 != 2) {
                                continue;
                            }
                            String order = new JsonObject(created.body()).getString("orderId");
                            acknowledged.merge(order, 1L, Math::max);
                            HttpResponse<String> confirmed = post(http, port, "/orders/" + order + "/confirm", null);
                            if (confirmed.statusCode() / 100 == 2) {
                                acknowledged.merge(order, 2L, Math::max);
                            }
                        } catch (IOException serverGone) {
                            Thread.sleep(20);
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(3_000);
            int beforeSigterm = acknowledged.size();
            server.destroy(); // SIGTERM: the shutdown hook undeploys gracefully while the clients keep sending
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stopped within a minute");
            running.set(false);
            for (Future<?> client : load) {
                client.get(30, TimeUnit.SECONDS);
            }
            clients.shutdownNow();
            assertTrue(beforeSigterm > 0, "commands were acknowledged before the SIGTERM");
            assertTrue(Files.readString(dir.resolve("server.log")).contains("Stopping Ordo"), "a graceful stop");
            // The relay flushed before the producer closed: a crash would leave them to the next start.
            assertAllOnKafka(acknowledged, "before any restart");

            server = ServerProcess.start(dir, port, config);
            for (Map.Entry<String, Long> order : acknowledged.entrySet()) {
                HttpResponse<String> stored = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/orders/" + order.getKey())).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, stored.statusCode(), "order " + order.getKey() + " acknowledged, then missing");
                assertTrue(new JsonObject(stored.body()).getLong("version") >= order.getValue(),
                        "order " + order.getKey() + " lost an acknowledged command");
            }
            System.out.printf("SIGTERM under load: %d orders acknowledged (%d before the signal), all on Kafka before the "
                            + "restart and in the store after it%n",
                    acknowledged.size(), beforeSigterm);
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    @Test
    void aSigtermEndsTheServerWithinItsBudgetWhenKafkaAndTheStoreAreUnreachable() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bounded-stop-it");
        int port = ChildJvm.freePort();
        long budgetMs = 15_000;
        JsonObject config = new JsonObject()
                .put("mode", "external")
                .put("shutdownTimeoutMs", budgetMs)
                .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 1))
                .put("store", new JsonObject().put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                        .put("keyspace", "it_gracefulshutdownit")
                        .put("topics", new JsonObject().put("Order", TOPIC).put("Customer", "graceful-shutdown-it-customers")))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers()))
                .put("projections", new JsonObject().put("consumerGroup", "bounded-stop-" + UUID.randomUUID()));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Process server = ServerProcess.start(dir, port, config);
        long kafka = TestKafka.broker().pid();
        long cassandra = TestCassandra.node().pid();
        try {
            String customer = new JsonObject(post(http, port, "/customers", new JsonObject()
                    .put("email", "bounded-" + UUID.randomUUID() + "@example.com")
                    .put("firstName", "Ann").put("lastName", "Lee")).body()).getString("customerId");
            Processes.pause(kafka);
            // Accepted while Kafka is away: the relay has these in hand, the producer and the projections hang.
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> created = post(http, port, "/orders", new JsonObject().put("customerId", customer)
                        .put("items", new JsonArray().add(new JsonObject()
                                .put("productId", UUID.randomUUID().toString()).put("quantity", 1))));
                assertEquals(201, created.statusCode(), created.body());
            }
            Processes.pause(cassandra);
            long signalled = System.nanoTime();
            server.destroy(); // SIGTERM
            boolean exited = server.waitFor(budgetMs + 10_000, TimeUnit.MILLISECONDS);
            long tookMs = (System.nanoTime() - signalled) / 1_000_000;
            System.out.printf("SIGTERM with Kafka and the store unreachable: exited after %d ms (budget %d ms)%n", tookMs,
                    budgetMs);
            assertTrue(exited, "the server was still running " + (budgetMs + 10_000) + " ms after SIGTERM");
            assertTrue(Files.readString(dir.resolve("server.log")).contains("Stopping Ordo"), "a graceful stop");
        } finally {
            Processes.resume(cassandra);
            Processes.resume(kafka);
            if (server.isAlive()) {
                server.destroyForcibly();
            }
        }
    }

    /** Every acknowledged (order, version) is on the topic. */
    private static void assertAllOnKafka(Map<String, Long> acknowledged, String when) {
        Set<String> expected = new HashSet<>();
        acknowledged.forEach((order, version) -> {
            for (long v = 1; v <= version; v++) {
                expected.add(order + "@" + v);
            }
        });
        Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), TOPIC, acknowledged.keySet(),
                byOrder -> seen(byOrder).containsAll(expected), Duration.ofSeconds(30));
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(seen(read));
        assertTrue(missing.isEmpty(), missing.size() + " acknowledged events were not on Kafka " + when + ", e.g. "
                + missing.stream().limit(5).toList());
    }

    /** The (order, version)s among the envelopes read. */
    private static Set<String> seen(Map<String, List<JsonObject>> read) {
        Set<String> seen = new HashSet<>();
        read.values().forEach(envelopes -> envelopes.forEach(envelope ->
                seen.add(envelope.getString("aggregateId") + "@" + envelope.getLong("sequenceNumber"))));
        return seen;
    }

    private static HttpResponse<String> post(HttpClient http, int port, String path, JsonObject body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        request = body == null ? request.POST(HttpRequest.BodyPublishers.noBody())
                : request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
