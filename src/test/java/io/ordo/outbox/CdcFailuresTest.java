package io.ordo.outbox;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When failures count as "keeps failing": a fake clock. */
class CdcFailuresTest {

    private long now = 1_000_000;
    private final CdcFailures failures = new CdcFailures(3, 60_000, () -> now);

    @Test
    void theLimitWithinTheWindowKeepsFailing() {
        assertFalse(failures.failed("master"));
        now += 10_000;
        assertFalse(failures.failed("master"));
        now += 10_000;
        assertTrue(failures.failed("master"));
        assertEquals(3, failures.total());
    }

    @Test
    void failuresSpreadWiderThanTheWindowAreBlips() {
        for (int i = 0; i < 10; i++) {
            assertFalse(failures.failed("master"), "failure " + i);
            now += 31_000; // at most two within any 60 s
        }
        assertEquals(10, failures.total());
    }

    @Test
    void aSuccessStartsTheCountAgainAndKeysAreCountedApart() {
        failures.failed("task 1");
        failures.failed("task 1");
        failures.succeeded("task 1");
        assertFalse(failures.failed("task 1"));
        assertFalse(failures.failed("task 2"));
        assertFalse(failures.failed("task 2"));
        assertTrue(failures.failed("task 2"));
        assertFalse(failures.failed("task 1"), "task 1 has failed twice since its success");
        assertEquals(7, failures.total(), "every failure is counted, before a success too");
    }
}
