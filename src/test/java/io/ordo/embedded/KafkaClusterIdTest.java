package io.ordo.embedded;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class KafkaClusterIdTest {

    /** One random id in 64 began with '-', which the storage tool took for an option: the broker never started. */
    @Test
    void aClusterIdNeverStartsWithADash() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = EmbeddedKafka.newClusterId();
            assertFalse(id.startsWith("-"), id);
            assertEquals(22, id.length(), id);
            ids.add(id);
        }
        assertEquals(10_000, ids.size());
    }
}
