package io.ordo.outbox;

import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole relay on ScyllaDB, the fast path off so that only the CDC log can publish. Runs where a
 * ScyllaDB is reachable: {@code mvn verify -Dordo.scylla.contactPoints=host:9042}; skipped otherwise
 * (no ScyllaDB server can run on the build machines).
 */
class ScyllaRelayIT {

    @Test
    void eventsReachKafkaThroughTheCdcLog() {
        String contactPoints = System.getProperty("ordo.scylla.contactPoints");
        Assumptions.assumeTrue(contactPoints != null && !contactPoints.isBlank(),
                "skipped: no ScyllaDB here; set -Dordo.scylla.contactPoints=host:port to run it");
        JsonArray points = new JsonArray();
        for (String point : contactPoints.split(",")) {
            points.add(point.strip());
        }
        try (OrdoFixture ordo = OrdoFixture.start(ScyllaRelayIT.class, new JsonObject()
                .put("store", new JsonObject().put("contactPoints", points).put("dialect", "scylla")
                        .put("localDatacenter", System.getProperty("ordo.scylla.localDatacenter", "datacenter1")))
                .put("relay", new JsonObject().put("enabled", true).put("fastPath", false)
                        .put("bootstrapServers", TestKafka.bootstrapServers())))) {
            Http http = new Http(ordo.client);
            String customer = http.customer("cdc-" + UUID.randomUUID() + "@example.com");
            String id = http.post("/orders", new JsonObject().put("customerId", customer).put("items", new JsonArray()
                    .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1))))
                    .bodyAsJsonObject().getString("orderId");
            http.post("/orders/" + id + "/confirm", null);

            List<Long> sequences = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "scylla-it-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("order-events"));
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!sequences.contains(2L) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        if (id.equals(record.key())) {
                            sequences.add(new JsonObject(record.value()).getLong("sequenceNumber"));
                        }
                    }
                }
            }
            assertEquals(List.of(1L, 2L), sequences.stream().distinct().toList());
        }
    }
}
