package io.ordo.outbox;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The backlog's age: now minus the oldest unsettled event's own time. */
class BacklogTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Backlog backlog = new Backlog(now::get);

    @Test
    void anEmptyBacklogHasNoAge() {
        assertEquals(0, backlog.ageMs());
        backlog.add(now.get() - 5_000);
        backlog.remove(now.get() - 5_000);
        assertEquals(0, backlog.ageMs());
    }

    @Test
    void theAgeIsTheOldestEventTimeNotWhenItWasTaken() {
        backlog.add(now.get() - 3_600_000); // found after a restart: an hour old already
        backlog.add(now.get() - 10);
        assertEquals(3_600_000, backlog.ageMs());
        now.addAndGet(1_000);
        assertEquals(3_601_000, backlog.ageMs());
    }

    @Test
    void steadyLoadDoesNotAge() {
        // An event every 100 ms, each settled 200 ms after its time: the backlog never drains, yet stays 200 ms old.
        for (int i = 0; i < 1_000; i++) {
            backlog.add(now.get());
            if (i >= 2) {
                backlog.remove(now.get() - 200);
                assertEquals(100, backlog.ageMs());
            }
            now.addAndGet(100);
        }
        assertEquals(200, backlog.ageMs());
    }

    @Test
    void eventsWithTheSameTimeAreCountedEachAndRemovingTheOldestMovesTheAge() {
        long t = now.get() - 2_000;
        backlog.add(t);
        backlog.add(t);
        backlog.add(now.get() - 500);
        backlog.remove(t);
        assertEquals(2_000, backlog.ageMs());
        backlog.remove(t);
        assertEquals(500, backlog.ageMs());
        backlog.remove(t); // never added (again): ignored
        assertEquals(500, backlog.ageMs());
    }

    @Test
    void anEventTimeAheadOfTheClockIsNoNegativeAge() {
        backlog.add(now.get() + 2_000);
        assertEquals(0, backlog.ageMs());
    }
}
