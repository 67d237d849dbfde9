package io.ordo.store;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/** The driver answers on its own threads; callers continue on their Vert.x context. */
final class Cql {

    private Cql() {
    }

    static <T> Future<T> future(Vertx vertx, CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
    }

    /**
     * Visits every row of a query, page after page, until {@code visitor} answers false. A loop, not a
     * chain of futures: each page is handled on the caller's context after the driver delivers it, so
     * the stack does not grow with the number of pages. A visitor that throws fails the future.
     */
    static Future<Void> forEachRow(Vertx vertx, CompletionStage<AsyncResultSet> first, Predicate<Row> visitor) {
        Context context = vertx.getOrCreateContext();
        Promise<Void> done = Promise.promise();
        new Object() {
            void next(CompletionStage<AsyncResultSet> stage) {
                stage.whenComplete((page, failure) -> context.runOnContext(v -> {
                    if (failure != null) {
                        done.fail(failure);
                        return;
                    }
                    try {
                        for (Row row : page.currentPage()) {
                            if (!visitor.test(row)) {
                                done.complete();
                                return;
                            }
                        }
                    } catch (RuntimeException e) {
                        done.fail(e);
                        return;
                    }
                    if (page.hasMorePages()) {
                        next(page.fetchNextPage());
                    } else {
                        done.complete();
                    }
                }));
            }
        }.next(first);
        return done.future();
    }
}
