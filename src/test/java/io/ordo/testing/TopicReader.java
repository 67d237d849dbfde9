package io.ordo.testing;

import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reads what really reached Kafka, as a plain consumer of the topic would. */
public final class TopicReader {

    private TopicReader() {
    }

    /**
     * The envelopes on {@code topic} (from its beginning) of the aggregates {@code ids}, in the order each
     * aggregate's records came, read until {@code done} holds or {@code timeout} passes.
     */
    public static Map<String, List<JsonObject>> read(String bootstrapServers, String topic, Set<String> ids,
                                                     Predicate<Map<String, List<JsonObject>>> done, Duration timeout) {
        Map<String, List<JsonObject>> byAggregate = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "topic-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(byAggregate) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (ids.contains(record.key())) {
                        byAggregate.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(new JsonObject(record.value()));
                    }
                }
            }
        }
        return byAggregate;
    }

    /** Whether every one of {@code ids} has its sequence numbers 1..{@code highest} among the records read. */
    public static Predicate<Map<String, List<JsonObject>>> allUpTo(Set<String> ids, long highest) {
        return read -> ids.stream().allMatch(id -> highestFirstOccurrence(read.getOrDefault(id, List.of())) >= highest);
    }

    /** The highest sequence number reached by first occurrences in order from 1 (a gap stops the count). */
    public static long highestFirstOccurrence(List<JsonObject> events) {
        long highest = 0;
        for (JsonObject event : events) {
            long sequence = event.getLong("sequenceNumber");
            if (sequence == highest + 1) {
                highest = sequence;
            }
        }
        return highest;
    }

    /**
     * Asserts the DESIGN §4 order: each event's first occurrence comes after the first occurrences of all
     * its predecessors (duplicates may repeat earlier ones), from 1 up to {@code expected}. Answers the duplicates.
     */
    public static int assertFirstOccurrencesInOrder(List<JsonObject> events, long expected) {
        long highest = 0;
        int duplicates = 0;
        for (JsonObject event : events) {
            long sequence = event.getLong("sequenceNumber");
            if (sequence <= highest) {
                duplicates++;
                continue;
            }
            assertEquals(highest + 1, sequence, "an event before one of its predecessors: after " + highest);
            highest = sequence;
        }
        assertEquals(expected, highest, "the last event reached");
        return duplicates;
    }
}
