package io.ordo.embedded;

import io.ordo.testing.Eventually;
import io.ordo.testing.Processes;
import io.ordo.testing.ServerProcess;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded default as a user runs it ({@code java -jar target/ordo.jar}, its own Cassandra and Kafka
 * as children) keeps what it acknowledged: through a child killed on its own (Ordo starts it again) and
 * through a kill -9 of the whole process tree, as an OOM killer or a crashed machine would deal it.
 */
class EmbeddedDurabilityIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Each acknowledged aggregate and the version its last acknowledged command made. */
    private final Map<String, Long> acknowledged = new LinkedHashMap<>();
    private final Map<String, String> kinds = new LinkedHashMap<>();
    private int port;

    @Test
    void everyAcknowledgedCommandSurvivesChildrenDyingAndAKillOfEverything() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "embedded-durability-it");
        port = ChildJvm.freePort();
        int kafkaPort = ChildJvm.freePort();
        JsonObject config = new JsonObject()
                .put("mode", "embedded")
                .put("embedded", new JsonObject().put("dataDir", dir.resolve("data").toString())
                        .put("cassandraCqlPort", ChildJvm.freePort()).put("cassandraStoragePort", ChildJvm.freePort())
                        .put("kafkaPort", kafkaPort).put("kafkaControllerPort", ChildJvm.freePort()))
                .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 1))
                .put("relay", new JsonObject().put("pollIntervalMs", 200))
                .put("projections", new JsonObject().put("enabled", false));
        Path cassandraPid = dir.resolve("data").resolve("cassandra").resolve(EmbeddedCassandra.PID_FILE_NAME);
        Path kafkaPid = dir.resolve("data").resolve("kafka").resolve(EmbeddedKafka.PID_FILE_NAME);

        Process server = ServerProcess.start(dir, port, config);
        try {
            String customer = registerCustomer();
            createOrders(customer, 5);

            // The Cassandra child dies on its own: commands are refused meanwhile, never answered 500, and Ordo
            // starts the node again.
            long cassandra = pid(cassandraPid);
            ProcessHandle.of(cassandra).orElseThrow().destroyForcibly();
            HttpResponse<String> refused = send("POST", "/orders", newOrder(customer));
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals(503, send("GET", "/health/ready", null).statusCode(), "not ready without the store");
            assertEquals(200, send("GET", "/health/live", null).statusCode(), "alive while the store is away");
            long died = System.nanoTime();
            Eventually.until(Duration.ofSeconds(120), "the store is back", () -> {
                try {
                    return send("GET", "/health/ready", null).statusCode() == 200;
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            });
            System.out.printf("the embedded Cassandra, killed, was serving again %.1f s later%n", (System.nanoTime() - died) / 1e9);
            assertTrue(pid(cassandraPid) != cassandra, "a new Cassandra child");
            createOrders(customer, 5);

            // The Kafka child dies: commands go on, and their events reach the restarted broker.
            long kafka = pid(kafkaPid);
            ProcessHandle.of(kafka).orElseThrow().destroyForcibly();
            createOrders(customer, 5);
            Eventually.until(Duration.ofSeconds(120), "a new Kafka child", () -> {
                try {
                    return pid(kafkaPid) != kafka;
                } catch (IOException e) {
                    return false;
                }
            });
            assertAllOnKafka(kafkaPort, "after the children died");

            // kill -9 of the server and both children at once, then a start on the same data.
            createOrders(customer, 5);
            Processes.killTree(server.toHandle());
            long logBefore = Files.size(dir.resolve("server.log"));
            server = ServerProcess.start(dir, port, config);
            String restartLog = Files.readString(dir.resolve("server.log")).substring((int) logBefore);
            assertTrue(!restartLog.contains("Applied schema version"), "the schema survived: " + restartLog);
            for (Map.Entry<String, Long> aggregate : acknowledged.entrySet()) {
                HttpResponse<String> stored = send("GET", "/" + kinds.get(aggregate.getKey()) + "/" + aggregate.getKey(), null);
                assertEquals(200, stored.statusCode(), aggregate.getKey() + " was acknowledged, then lost: " + stored.body());
                assertTrue(new JsonObject(stored.body()).getLong("version") >= aggregate.getValue(),
                        aggregate.getKey() + " lost an acknowledged command");
            }
            assertAllOnKafka(kafkaPort, "after a kill -9 of everything and a restart");
            System.out.printf("%d acknowledged aggregates, all in the store and on Kafka after children died and after a "
                    + "kill -9 of the whole tree%n", acknowledged.size());
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                Processes.killTree(server.toHandle());
            }
        }
        for (Path pidFile : List.of(cassandraPid, kafkaPid)) {
            if (Files.exists(pidFile)) {
                long child = pid(pidFile);
                assertTrue(ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true), "child " + child + " left running");
            }
        }
    }

    private String registerCustomer() throws IOException, InterruptedException {
        HttpResponse<String> created = send("POST", "/customers", new JsonObject()
                .put("email", "durable-" + UUID.randomUUID() + "@example.com").put("firstName", "Ann").put("lastName", "Lee"));
        assertEquals(201, created.statusCode(), created.body());
        String id = new JsonObject(created.body()).getString("customerId");
        acknowledged.put(id, 1L);
        kinds.put(id, "customers");
        return id;
    }

    private static JsonObject newOrder(String customer) {
        return new JsonObject().put("customerId", customer).put("items", new JsonArray()
                .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1)));
    }

    /** Creates and confirms orders, each command answered 2xx and recorded. */
    private void createOrders(String customer, int count) throws IOException, InterruptedException {
        for (int i = 0; i < count; i++) {
            HttpResponse<String> created = send("POST", "/orders", newOrder(customer));
            assertEquals(201, created.statusCode(), created.body());
            String order = new JsonObject(created.body()).getString("orderId");
            acknowledged.put(order, 1L);
            kinds.put(order, "orders");
            HttpResponse<String> confirmed = send("POST", "/orders/" + order + "/confirm", null);
            assertEquals(200, confirmed.statusCode(), confirmed.body());
            acknowledged.put(order, 2L);
        }
    }

    private void assertAllOnKafka(int kafkaPort, String when) {
        Map<String, Long> orders = new LinkedHashMap<>();
        Map<String, Long> customers = new LinkedHashMap<>();
        acknowledged.forEach((id, version) -> (kinds.get(id).equals("orders") ? orders : customers).put(id, version));
        for (Map.Entry<String, Map<String, Long>> topic : Map.of("order-events", orders, "customer-events", customers).entrySet()) {
            Map<String, List<JsonObject>> read = TopicReader.read("127.0.0.1:" + kafkaPort, topic.getKey(),
                    Set.copyOf(topic.getValue().keySet()),
                    seen -> topic.getValue().entrySet().stream().allMatch(a ->
                            TopicReader.highestFirstOccurrence(seen.getOrDefault(a.getKey(), List.of())) >= a.getValue()),
                    Duration.ofSeconds(90));
            topic.getValue().forEach((id, version) -> assertTrue(
                    TopicReader.highestFirstOccurrence(read.getOrDefault(id, List.of())) >= version,
                    id + " is not on " + topic.getKey() + " up to version " + version + " " + when));
        }
    }

    private static long pid(Path pidFile) throws IOException {
        return Long.parseLong(Files.readString(pidFile).strip());
    }

    private HttpResponse<String> send(String method, String path, JsonObject body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
