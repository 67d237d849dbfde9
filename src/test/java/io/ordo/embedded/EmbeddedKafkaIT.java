package io.ordo.embedded;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real Kafka broker as a child JVM: it stores and serves records, survives a restart, and stops cleanly. */
class EmbeddedKafkaIT {

    @TempDir
    Path tmp;

    private KafkaOptions options(Path dataDir) {
        return KafkaOptions.defaults(dataDir).withPorts(ChildJvm.freePort(), ChildJvm.freePort());
    }

    private static void produce(String servers, String topic, List<String> values) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, "key", value)).get();
            }
        }
    }

    private static List<String> consume(String servers, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    @Test
    @Timeout(300)
    void storesAndServesRecordsAcrossARestart() throws Exception {
        EmbeddedKafka kafka = new EmbeddedKafka(options(tmp.resolve("kafka")));
        try (kafka) {
            kafka.start();
            long pid = kafka.pid();
            produce(kafka.bootstrapServers(), "orders", List.of("one", "two", "three"));
            assertEquals(List.of("one", "two", "three"), consume(kafka.bootstrapServers(), "orders", 3));

            kafka.stop();
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the child is gone");
            assertFalse(Files.exists(kafka.pidFile()));

            kafka.start(); // the same data directory: formatted already, the records are still there
            assertEquals(List.of("one", "two", "three"), consume(kafka.bootstrapServers(), "orders", 3));
        }
        assertFalse(kafka.isRunning());
    }

    @Test
    void aTakenPortIsAClearErrorBeforeAnythingStarts() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            EmbeddedKafka kafka = new EmbeddedKafka(options(tmp.resolve("taken")).withPorts(squatter.getLocalPort(),
                    ChildJvm.freePort()));
            IOException e = assertThrows(IOException.class, kafka::start);
            assertTrue(e.getMessage().contains("client listener port 127.0.0.1:" + squatter.getLocalPort()
                    + " is already in use"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("taken").resolve("server.properties")));
        }
    }
}
