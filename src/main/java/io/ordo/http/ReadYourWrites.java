package io.ordo.http;

import io.ordo.command.Addresses;
import io.ordo.projection.Projected;
import io.ordo.store.StoreRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A read of one aggregate's row of a read model that waits for a version ({@code ?minVersion=}): woken
 * by this instance's projection as it writes ({@code Projected} on the event bus), and looking again
 * every {@value #RECHECK_MS} ms for another instance's. One per router (its event loop).
 */
final class ReadYourWrites {

    /** How often a waiting read looks again when no local notification came (another instance's write). */
    private static final long RECHECK_MS = 250;

    private final Vertx vertx;
    private final Addresses addresses;
    /** Reads waiting for a version of an aggregate to be projected. */
    private final Map<UUID, List<Waiter>> waiters = new HashMap<>();

    private record Waiter(long version, Promise<Void> reached) {
    }

    ReadYourWrites(Vertx vertx, Addresses addresses) {
        this.vertx = vertx;
        this.addresses = addresses;
        vertx.eventBus().<Projected>localConsumer(addresses.projected(), message -> wake(message.body()));
    }

    /**
     * Reads the row until it reflects {@code minVersion} (null: once) or the deadline passes; answers the
     * last row read (null: none). A row says its version in {@code version}.
     */
    Future<JsonObject> read(StoreRequest.Query query, UUID id, Long minVersion, long deadline) {
        Promise<JsonObject> result = Promise.promise();
        new Object() {
            void attempt() {
                vertx.eventBus().<JsonObject>request(addresses.store(), query).map(Message::body).onComplete(read -> {
                    if (read.failed()) {
                        result.fail(read.cause());
                        return;
                    }
                    JsonObject row = read.result();
                    long left = deadline - System.currentTimeMillis();
                    if (minVersion == null || versionOf(row) >= minVersion || left <= 0) {
                        result.complete(row);
                        return;
                    }
                    // Each look is a fresh request once woken or timed out: a loop, not a chain.
                    projected(id, minVersion, Math.min(left, RECHECK_MS)).onComplete(v -> attempt());
                });
            }
        }.attempt();
        return result.future();
    }

    static long versionOf(JsonObject row) {
        return row == null ? 0 : row.getLong("version", 0L);
    }

    /** Completes when this instance projects {@code version} of the aggregate, or after {@code waitMs}. */
    private Future<Void> projected(UUID id, long version, long waitMs) {
        Waiter waiter = new Waiter(version, Promise.promise());
        waiters.computeIfAbsent(id, key -> new ArrayList<>()).add(waiter);
        long timer = vertx.setTimer(Math.max(1, waitMs), t -> waiter.reached().tryComplete());
        return waiter.reached().future().onComplete(done -> {
            vertx.cancelTimer(timer);
            List<Waiter> forId = waiters.get(id);
            if (forId != null && forId.remove(waiter) && forId.isEmpty()) {
                waiters.remove(id);
            }
        });
    }

    private void wake(Projected projected) {
        List<Waiter> forId = waiters.get(projected.aggregateId());
        if (forId != null) {
            List.copyOf(forId).stream().filter(waiter -> projected.version() >= waiter.version())
                    .forEach(waiter -> waiter.reached().tryComplete());
        }
    }
}
