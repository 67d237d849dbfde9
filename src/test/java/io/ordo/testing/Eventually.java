package io.ordo.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The tests' one way to wait for something that happens asynchronously: look again until it holds, or fail saying what. */
public final class Eventually {

    private static final long PAUSE_MS = 100;

    private Eventually() {
    }

    /** Waits until {@code condition} holds; fails after {@code timeout} naming {@code what}. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        value(timeout, what, condition::getAsBoolean, held -> held);
    }

    /**
     * Probes until {@code accepted} holds for the probe's answer, and answers it; fails after
     * {@code timeout} with {@code what} and the last answer. A probe that throws counts as not yet.
     */
    public static <T> T value(Duration timeout, String what, Supplier<T> probe, Predicate<T> accepted) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        RuntimeException lastFailure = null;
        while (true) {
            try {
                last = probe.get();
                lastFailure = null;
                if (accepted.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                lastFailure = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError failure = new AssertionError("not within " + timeout + ": " + what
                        + (lastFailure == null ? "; last seen: " + last : "; last probe failed: " + lastFailure));
                if (lastFailure != null) {
                    failure.initCause(lastFailure);
                }
                throw failure;
            }
            try {
                Thread.sleep(PAUSE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + what, e);
            }
        }
    }
}
