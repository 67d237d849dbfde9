package io.ordo.outbox;

import io.ordo.testing.Eventually;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.TestKafka;
import io.ordo.testing.TopicReader;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A poison event (larger than Kafka accepts) becomes one dead letter; its aggregate's later events
 * wait behind it while other aggregates flow; after the limit is raised, a retry publishes them in order.
 */
class DeadLetterIT {

    private static final String TOKEN = "ops-secret";

    private static JsonObject config(int maxRecordBytes) {
        return new JsonObject()
                .put("ops", new JsonObject().put("token", TOKEN))
                .put("store", new JsonObject().put("requestTimeoutMs", 4_000))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollIntervalMs", 200).put("pollDelayMs", 5_000).put("verificationWindowMs", 2_000)
                        .put("maxRecordBytes", maxRecordBytes));
    }

    private static Map<String, List<Long>> sequences(Set<String> ids, int wanted, Duration timeout) {
        Map<String, List<Long>> read = new HashMap<>();
        TopicReader.read(TestKafka.bootstrapServers(), "order-events", ids,
                        byOrder -> byOrder.values().stream().mapToInt(List::size).sum() >= wanted, timeout)
                .forEach((id, envelopes) -> read.put(id,
                        envelopes.stream().map(envelope -> envelope.getLong("sequenceNumber")).toList()));
        return read;
    }

    /** The order's sequence numbers on Kafka, first occurrences only (two relays may both publish one), read until {@code upTo}. */
    private static List<Long> firstOccurrences(String id, long upTo, Duration timeout) {
        return TopicReader.read(TestKafka.bootstrapServers(), "order-events", Set.of(id),
                        TopicReader.allUpTo(Set.of(id), upTo), timeout)
                .getOrDefault(id, List.of()).stream().map(envelope -> envelope.getLong("sequenceNumber")).distinct().toList();
    }

    /** Waits until {@code ordo_relay_dead_letters} reads {@code expected}: it is counted from the store every few seconds. */
    private static void awaitDeadLetterGauge(Http http, double expected) {
        Eventually.value(Duration.ofSeconds(30), "ordo_relay_dead_letters became " + expected, () -> {
            String gauge = null;
            for (String line : http.get("/metrics").bodyAsString().split("\n")) {
                if (line.startsWith("ordo_relay_dead_letters ")) {
                    gauge = line;
                }
            }
            return gauge;
        }, gauge -> gauge != null && Double.parseDouble(gauge.substring(gauge.indexOf(' ') + 1).strip()) == expected);
    }

    private static HttpResponse<Buffer> ops(Http http, HttpMethod method, String path, boolean authorized) {
        return http.send(method, path, null, authorized ? Map.of("Authorization", "Bearer " + TOKEN) : Map.of());
    }

    @Test
    void aDiscardedDeadLetterIsSkippedAndTheAggregateGoesOn() {
        try (OrdoFixture small = OrdoFixture.start(DeadLetterIT.class, config(4_000))) {
            Http http = new Http(small.client);
            String customer = http.customer("discard-" + UUID.randomUUID() + "@example.com");
            String id = http.post("/orders", new JsonObject().put("customerId", customer).put("items", new JsonArray()
                    .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1))))
                    .bodyAsJsonObject().getString("orderId");
            JsonArray hundredLines = new JsonArray();
            for (int i = 0; i < 100; i++) {
                hundredLines.add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", i + 1));
            }
            http.put("/orders/" + id + "/items", new JsonObject().put("items", hundredLines));
            http.post("/orders/" + id + "/confirm", null);
            assertEquals(List.of(1L), sequences(Set.of(id), 3, Duration.ofSeconds(15)).get(id));

            assertEquals(200, ops(http, HttpMethod.POST, "/ops/dead-letters/" + id + "/discard", true).statusCode());
            assertEquals(List.of(1L, 3L), sequences(Set.of(id), 2, Duration.ofSeconds(30)).get(id),
                    "the discarded event is skipped; the next one is published");
        }
    }

    @Test
    void aPoisonEventIsParkedUntilAnOperatorRetriesIt() {
        String poisoned;
        String healthy;
        try (OrdoFixture small = OrdoFixture.start(DeadLetterIT.class, config(4_000))) {
            Http http = new Http(small.client);
            String customer = http.customer("dead-" + UUID.randomUUID() + "@example.com");
            JsonObject oneItem = new JsonObject().put("customerId", customer).put("items", new JsonArray()
                    .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1)));
            poisoned = http.post("/orders", oneItem).bodyAsJsonObject().getString("orderId");
            healthy = http.post("/orders", oneItem).bodyAsJsonObject().getString("orderId");
            JsonArray hundredLines = new JsonArray(); // about 7 KB: larger than this server's 4 KB record limit
            for (int i = 0; i < 100; i++) {
                hundredLines.add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", i + 1));
            }
            assertEquals(200, http.put("/orders/" + poisoned + "/items", new JsonObject().put("items", hundredLines)).statusCode());
            assertEquals(200, http.post("/orders/" + poisoned + "/confirm", null).statusCode());
            assertEquals(200, http.post("/orders/" + healthy + "/confirm", null).statusCode());

            Map<String, List<Long>> read = sequences(Set.of(poisoned, healthy), 3, Duration.ofSeconds(30));
            assertEquals(List.of(1L, 2L), read.get(healthy), "other aggregates flow");
            assertEquals(List.of(1L), read.get(poisoned), "the poison and what follows it wait");

            assertEquals(401, ops(http, HttpMethod.GET, "/ops/dead-letters", false).statusCode());
            JsonArray letters = ops(http, HttpMethod.GET, "/ops/dead-letters", true).bodyAsJsonObject().getJsonArray("deadLetters");
            assertEquals(1, letters.size(), letters.encode());
            JsonObject letter = letters.getJsonObject(0);
            assertEquals(poisoned, letter.getString("aggregateId"));
            assertEquals(2, letter.getLong("sequenceNumber"));
            assertEquals("OrderItemsUpdated", letter.getString("eventType"));
            assertTrue(letter.getString("error").contains("RecordTooLarge"), letter.getString("error"));
            awaitDeadLetterGauge(http, 1);
        }

        // The same store, now with Kafka's ordinary limit: the operator retries the dead letter.
        try (OrdoFixture raised = OrdoFixture.start(DeadLetterIT.class, config(1_048_576)
                .put("store", new JsonObject().put("keyspace", "it_deadletterit").put("requestTimeoutMs", 4_000)))) {
            Http http = new Http(raised.client);
            awaitDeadLetterGauge(http, 1); // parked before this start: the gauge counts the store, not this process
            assertEquals(200, ops(http, HttpMethod.POST, "/ops/dead-letters/" + poisoned + "/retry", true).statusCode());
            Map<String, List<Long>> read = sequences(Set.of(poisoned), 3, Duration.ofSeconds(30));
            assertEquals(List.of(1L, 2L, 3L), read.get(poisoned), "published in order after the retry");
            assertEquals(0, ops(http, HttpMethod.GET, "/ops/dead-letters", true).bodyAsJsonObject()
                    .getJsonArray("deadLetters").size());
            awaitDeadLetterGauge(http, 0);
        }
    }

    @Test
    void aRetryOnOneInstanceIsSeenByAnotherThatHadTheAggregateParked() {
        JsonObject shared = new JsonObject().put("keyspace", "it_deadletterit_shared").put("requestTimeoutMs", 4_000);
        String poisoned;
        try (OrdoFixture stays = OrdoFixture.start(DeadLetterIT.class, config(4_000).put("store", shared))) {
            Http staying = new Http(stays.client);
            try (OrdoFixture small = OrdoFixture.start(DeadLetterIT.class, config(4_000).put("store", shared))) {
                Http http = new Http(small.client);
                String customer = http.customer("shared-" + UUID.randomUUID() + "@example.com");
                poisoned = http.post("/orders", new JsonObject().put("customerId", customer).put("items", new JsonArray()
                                .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1))))
                        .bodyAsJsonObject().getString("orderId");
                JsonArray hundredLines = new JsonArray();
                for (int i = 0; i < 100; i++) {
                    hundredLines.add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", i + 1));
                }
                assertEquals(200, http.put("/orders/" + poisoned + "/items", new JsonObject().put("items", hundredLines)).statusCode());
                assertEquals(200, http.post("/orders/" + poisoned + "/confirm", null).statusCode());
                assertEquals(List.of(1L), firstOccurrences(poisoned, 2, Duration.ofSeconds(15)));
                awaitDeadLetterGauge(staying, 1); // the instance that stays knows the aggregate parked
            }
            // Another instance, with Kafka's ordinary limit, retries the dead letter, then goes away.
            try (OrdoFixture raised = OrdoFixture.start(DeadLetterIT.class, config(1_048_576).put("store", shared))) {
                Http http = new Http(raised.client);
                assertEquals(200, ops(http, HttpMethod.POST, "/ops/dead-letters/" + poisoned + "/retry", true).statusCode());
                assertEquals(List.of(1L, 2L, 3L), firstOccurrences(poisoned, 3, Duration.ofSeconds(30)));
            }
            // The instance that stayed is the only relay now: the aggregate's next event must not be skipped.
            assertEquals(200, staying.post("/orders/" + poisoned + "/cancel", new JsonObject().put("reason", "late")).statusCode());
            assertEquals(List.of(1L, 2L, 3L, 4L), firstOccurrences(poisoned, 4, Duration.ofSeconds(30)),
                    "the release on the other instance was seen");
            awaitDeadLetterGauge(staying, 0);
        }
    }
}
