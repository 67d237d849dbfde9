package io.ordo.ops;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Asynchronous work on items one after another, as a loop: each item starts on the context once the
 * previous one is done (a task of its own), so nothing nests or recurses with the number of items.
 */
public final class InTurn {

    private InTurn() {
    }

    /** Runs {@code action} on each item in order, each after the previous one succeeded; stops at the first failure. */
    public static <T> Future<Void> each(Context context, List<T> items, Function<T, Future<?>> action) {
        Promise<Void> done = Promise.promise();
        new Object() {
            void run(int index) {
                if (index == items.size()) {
                    done.complete();
                    return;
                }
                Future<?> step;
                try {
                    step = action.apply(items.get(index));
                } catch (RuntimeException e) {
                    step = Future.failedFuture(e);
                }
                step.onComplete(result -> {
                    if (result.failed()) {
                        done.fail(result.cause());
                    } else {
                        context.runOnContext(v -> run(index + 1));
                    }
                });
            }
        }.run(0);
        return done.future();
    }

    /**
     * Runs {@code step} again and again, each run a task of its own on the context, until it answers true;
     * stops at the first failure. The step bounds the loop (a batch's attempts are bounded by its retries).
     */
    public static Future<Void> until(Context context, Supplier<Future<Boolean>> step) {
        Promise<Void> done = Promise.promise();
        new Object() {
            void run() {
                Future<Boolean> ran;
                try {
                    ran = step.get();
                } catch (RuntimeException e) {
                    ran = Future.failedFuture(e);
                }
                ran.onComplete(result -> {
                    if (result.failed()) {
                        done.fail(result.cause());
                    } else if (Boolean.TRUE.equals(result.result())) {
                        done.complete();
                    } else {
                        context.runOnContext(v -> run());
                    }
                });
            }
        }.run();
        return done.future();
    }
}
