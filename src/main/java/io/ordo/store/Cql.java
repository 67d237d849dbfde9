package io.ordo.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.CompletionStage;

/** The driver answers on its own threads; callers continue on their Vert.x context. */
final class Cql {

    private Cql() {
    }

    static <T> Future<T> future(Vertx vertx, CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
    }
}
