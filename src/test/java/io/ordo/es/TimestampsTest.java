package io.ordo.es;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.time.api.constraints.InstantRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.DateTimeException;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TimestampsTest {

    @Property(tries = 2000)
    void readsWhatInstantWrites(@ForAll @InstantRange(min = "0001-01-01T00:00:00Z", max = "9999-12-31T23:59:59Z") Instant instant) {
        assertEquals(instant, Timestamps.parse(instant.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-01-01T10:00:00Z", "2026-01-01T10:00:00.1Z", "2026-01-01T10:00:00.123456789Z",
            "2024-02-29T23:59:59.5Z", "2026-01-01T24:00:00Z", "2026-01-01T10:00:00.Z", "+12026-01-01T10:00:00Z", "2026-01-01T10:00:00+02:00"})
    void agreesWithInstantParse(String text) {
        assertEquals(Instant.parse(text), Timestamps.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-13-01T10:00:00Z", "2026-02-30T10:00:00Z",
            "2026-01-01T10:00:00.1234567890Z", "2026-0a-01T10:00:00Z", "yesterday", ""})
    void refusesWhatInstantParseRefuses(String text) {
        assertThrows(DateTimeException.class, () -> Timestamps.parse(text));
    }
}
