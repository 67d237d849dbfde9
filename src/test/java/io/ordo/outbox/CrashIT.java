package io.ordo.outbox;

import io.ordo.embedded.ChildJvm;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.ServerProcess;
import io.ordo.testing.TestCassandra;
import io.ordo.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server is killed dead (halted: no shutdown hook, no flush) at an injected point of an append,
 * in a JVM of its own; a restarted server then publishes every committed event, and nothing that
 * was never committed.
 */
class CrashIT {

    private static final String KEYSPACE = "it_crashit";

    /** Starts {@code target/ordo.jar} against the test Cassandra and Kafka, set to halt at {@code point}. */
    private static Process serverHaltingAt(String point, int port, Path dir) throws IOException, InterruptedException {
        return serverHaltingAt(point, port, dir, false);
    }

    private static Process serverHaltingAt(String point, int port, Path dir, boolean relay) throws IOException, InterruptedException {
        return ServerProcess.start(dir, port, new JsonObject()
                .put("mode", "external")
                .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 1))
                .put("store", new JsonObject().put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                        .put("keyspace", KEYSPACE))
                .put("relay", new JsonObject().put("enabled", relay).put("bootstrapServers", TestKafka.bootstrapServers())),
                "-Dordo.fault.haltAt=" + point);
    }

    /** Registers a customer on the doomed server; the append halts it at the injected point. */
    private static String registerAndDie(String point, Path dir) throws Exception {
        return registerAndDie(point, dir, false);
    }

    private static String registerAndDie(String point, Path dir, boolean relay) throws Exception {
        int port = ChildJvm.freePort();
        Process server = serverHaltingAt(point, port, dir, relay);
        String id = UUID.randomUUID().toString();
        String body = new JsonObject().put("customerId", id).put("email", "crash-" + id + "@example.com")
                .put("firstName", "Ann").put("lastName", "Lee").encode();
        try {
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/customers"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException expected) {
            // the server died mid-request
        }
        boolean halted = server.waitFor(30, TimeUnit.SECONDS);
        if (!halted) {
            server.destroyForcibly(); // never leave it behind
        }
        assertTrue(halted, "the server halted");
        assertEquals(137, server.exitValue(), "halted at " + point);
        return id;
    }

    private static List<JsonObject> customerEvents(String id, int wanted, Duration timeout) {
        List<JsonObject> events = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "crash-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("customer-events"));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (events.size() < wanted && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (id.equals(record.key())) {
                        events.add(new JsonObject(record.value()));
                    }
                }
            }
        }
        return events;
    }

    @Test
    void whatWasCommittedBeforeTheCrashIsPublishedAndWhatWasNotNeverIs() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "crash-it");
        // Killed mid-publication: the event reached Kafka, the watermark did not move. First, while the outbox
        // holds nothing else: a relay that found an older intent would publish that one and halt before the request.
        String midPublication = registerAndDie("RELAY_PUBLISHED", dir, true);
        String committed = registerAndDie("AFTER_COMMIT", dir);
        String intentOnly = registerAndDie("AFTER_OUTBOX", dir);

        // A healthy server on the same store: its polling source finds both intents.
        try (OrdoFixture restarted = OrdoFixture.start(CrashIT.class, new JsonObject()
                .put("store", new JsonObject().put("keyspace", KEYSPACE).put("requestTimeoutMs", 4_000))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollIntervalMs", 200).put("pollDelayMs", 5_000).put("verificationWindowMs", 2_000)))) {
            List<JsonObject> published = customerEvents(committed, 1, Duration.ofSeconds(60));
            assertEquals(1, published.size(), "the committed registration reached Kafka after the crash");
            assertEquals("CustomerRegistered", published.get(0).getString("eventType"));

            // After the crash mid-publication, the aggregate goes on: its next event follows the first.
            assertEquals(200, new Http(restarted.client).put("/customers/" + midPublication,
                    new JsonObject().put("firstName", "Anne").put("lastName", "Lee")).statusCode());
            List<Long> sequences = customerEvents(midPublication, 3, Duration.ofSeconds(20)).stream()
                    .map(event -> event.getLong("sequenceNumber")).toList();
            assertEquals(List.of(1L, 2L), sequences.stream().distinct().toList(), "in order, nothing missing: " + sequences);
            assertEquals(1L, sequences.get(0));

            assertEquals(404, new Http(restarted.client).get("/customers/" + intentOnly).statusCode(), "never committed");
            assertEquals(List.of(), customerEvents(intentOnly, 1, Duration.ofSeconds(10)), "never published");
        }
    }
}
