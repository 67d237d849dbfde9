package io.ordo.ops;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The one retry loop of Ordo: a step tried again after a failure, with a backoff that doubles from
 * {@code firstDelayMs} to {@code maxDelayMs} (with jitter, so that retries spread out), for as long as
 * {@link Decision} says. A loop, not a chain: each attempt starts from a timer, so neither the stack
 * nor the futures held grow with the number of attempts.
 */
public final class Retry {

    /** Whether to try again after the {@code attempt}-th failure (1 for the first). */
    @FunctionalInterface
    public interface Decision {
        boolean again(Throwable failure, int attempt);
    }

    private final Vertx vertx;
    private final long firstDelayMs;
    private final long maxDelayMs;

    public Retry(Vertx vertx, long firstDelayMs, long maxDelayMs) {
        if (firstDelayMs < 1 || maxDelayMs < firstDelayMs) {
            throw new IllegalArgumentException("a backoff from " + firstDelayMs + " to " + maxDelayMs + " ms");
        }
        this.vertx = vertx;
        this.firstDelayMs = firstDelayMs;
        this.maxDelayMs = maxDelayMs;
    }

    /** Runs {@code step} until it succeeds, or fails with the failure {@code decision} gave up on. */
    public <T> Future<T> run(Supplier<Future<T>> step, Decision decision) {
        Promise<T> result = Promise.promise();
        attempt(step, decision, 1, result);
        return result.future();
    }

    /** The pause after the {@code attempt}-th failure: doubling, capped, and between half of it and all of it. */
    public long delayAfter(int attempt) {
        long ceiling = Math.min(maxDelayMs, firstDelayMs << Math.min(attempt - 1, 20));
        return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    }

    private <T> void attempt(Supplier<Future<T>> step, Decision decision, int attempt, Promise<T> result) {
        Future<T> tried;
        try {
            tried = step.get();
        } catch (RuntimeException e) {
            tried = Future.failedFuture(e);
        }
        tried.onComplete(done -> {
            if (done.succeeded()) {
                result.complete(done.result());
                return;
            }
            boolean again;
            try {
                again = decision.again(done.cause(), attempt);
            } catch (RuntimeException e) {
                result.fail(e);
                return;
            }
            if (!again) {
                result.fail(done.cause());
                return;
            }
            vertx.setTimer(delayAfter(attempt), t -> attempt(step, decision, attempt + 1, result));
        });
    }
}
