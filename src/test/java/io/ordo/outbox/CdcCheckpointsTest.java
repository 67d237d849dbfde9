package io.ordo.outbox;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Coalesced positions without a database: a writer that records each write and completes it when told. */
class CdcCheckpointsTest {

    /** Each write started, in order; its future completes when the test says so. */
    private final List<String> started = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final CdcCheckpoints<String, Integer> checkpoints = new CdcCheckpoints<>((task, position) -> {
        started.add(task + "=" + position);
        CompletableFuture<Void> write = new CompletableFuture<>();
        inFlight.put(task, write);
        return write;
    });

    @Test
    void onlyTheLatestPositionOfEachTaskIsWritten() {
        for (int position = 1; position <= 1_000; position++) {
            checkpoints.offer("a", position);
        }
        checkpoints.offer("b", 7);
        checkpoints.flush();
        assertEquals(List.of("a=1000", "b=7"), sorted(started));

        complete("a");
        complete("b");
        checkpoints.flush();
        assertEquals(2, started.size(), "nothing moved: nothing written");
        assertTrue(checkpoints.idle());
    }

    @Test
    void oneWriteInFlightPerTaskAndTheNewerPositionFollowsIt() {
        checkpoints.offer("a", 1);
        CompletableFuture<Void> first = checkpoints.flush();
        checkpoints.offer("a", 2);
        checkpoints.offer("a", 3);
        checkpoints.flush();
        assertEquals(List.of("a=1"), started, "a's first write is still in flight");
        assertFalse(first.isDone());

        complete("a");
        assertTrue(first.isDone());
        checkpoints.flush();
        assertEquals(List.of("a=1", "a=3"), started);
    }

    @Test
    void aFailedWriteIsTriedAgainUnlessANewerPositionCame() {
        checkpoints.offer("a", 1);
        checkpoints.offer("b", 1);
        checkpoints.flush();
        checkpoints.offer("b", 2); // while b=1 is in flight
        fail("a");
        fail("b");
        checkpoints.flush();
        assertEquals(List.of("a=1", "a=1", "b=1", "b=2"), sorted(started));
    }

    @Test
    void aWriterThatThrowsLosesNothing() {
        List<Integer> written = new ArrayList<>();
        boolean[] down = {true};
        CdcCheckpoints<String, Integer> failing = new CdcCheckpoints<>((task, position) -> {
            if (down[0]) {
                throw new IllegalStateException("no session");
            }
            written.add(position);
            return CompletableFuture.completedFuture(null);
        });
        failing.offer("a", 1);
        failing.flush();
        assertFalse(failing.idle(), "kept for the next flush");
        down[0] = false;
        failing.flush();
        assertEquals(List.of(1), written);
        assertTrue(failing.idle());
    }

    @Test
    void drainWritesWhatIsLeftAndGivesUpAtItsTimeout() throws InterruptedException {
        CdcCheckpoints<String, Integer> quick = new CdcCheckpoints<>((task, position) -> CompletableFuture.completedFuture(null));
        quick.offer("a", 1);
        assertTrue(quick.drain(1_000));
        assertTrue(quick.idle());

        checkpoints.offer("a", 1); // its write never completes
        long began = System.nanoTime();
        assertFalse(checkpoints.drain(100));
        assertTrue(System.nanoTime() - began < 5_000_000_000L);
    }

    private void complete(String task) {
        inFlight.remove(task).complete(null);
    }

    private void fail(String task) {
        inFlight.remove(task).completeExceptionally(new IllegalStateException("timeout"));
    }

    private static List<String> sorted(List<String> writes) {
        List<String> copy = new ArrayList<>(writes);
        copy.sort(null);
        return copy;
    }
}
