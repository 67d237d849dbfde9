package io.ordo.ops;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrdoMetricsTest {

    /** A gauge of a lambda that nothing else holds read NaN once the lambda was collected (seen on /metrics of a member). */
    @Test
    void gaugesOfSuppliersSurviveAGarbageCollection() {
        OrdoMetrics metrics = new OrdoMetrics();
        int[] members = {3};
        metrics.cluster(() -> members[0], () -> 5, () -> 2, () -> 1500);
        metrics.embeddedRestarts("kafka", () -> 1);
        for (int i = 0; i < 5; i++) {
            System.gc();
        }
        String scrape = metrics.scrape();
        assertEquals(3.0, value(scrape, "ordo_cluster_members"));
        assertEquals(5.0, value(scrape, "ordo_cluster_shards_owned"));
        assertEquals(2.0, value(scrape, "ordo_cluster_handovers"));
        assertEquals(1.5, value(scrape, "ordo_cluster_handover_last_seconds"));
        assertEquals(1.0, value(scrape, "ordo_embedded_restarts"));
    }

    private static double value(String scrape, String meter) {
        Matcher line = Pattern.compile("^" + meter + "(?:\\{[^}]*})?\\s+(\\S+)$", Pattern.MULTILINE).matcher(scrape);
        assertTrue(line.find(), meter + " in " + scrape);
        return Double.parseDouble(line.group(1));
    }
}
