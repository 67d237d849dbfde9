package io.ordo.store;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import io.vertx.core.Future;

import java.util.UUID;

/**
 * A seam for tests to stop an append (or the relay) dead at a chosen step, to prove that nothing committed is
 * lost and nothing uncommitted is published. Production uses {@link #NONE}.
 */
@FunctionalInterface
public interface FaultInjector {

    enum Point {
        /** The outbox rows are written; the commit has not been attempted. */
        AFTER_OUTBOX,
        /** The commit is about to be sent (with {@link #timeoutAt}: it is lost on the way, unapplied). */
        BEFORE_COMMIT,
        /** The commit's answer has arrived (with {@link #timeoutAt}: it is lost, though the batch applied). */
        COMMIT_ANSWERED,
        /** The conditional batch is applied; nothing after it has run. */
        AFTER_COMMIT,
        /** The relay has an event on Kafka and has not moved the aggregate's watermark yet. */
        RELAY_PUBLISHED
    }

    FaultInjector NONE = (point, aggregateId) -> Future.succeededFuture();

    Future<Void> at(Point point, UUID aggregateId);

    /** Fails the append at {@code point}, leaving the store as that step left it. */
    static FaultInjector failAt(Point point) {
        return (reached, aggregateId) -> reached == point
                ? Future.failedFuture(new InjectedFault(point, aggregateId))
                : Future.succeededFuture();
    }

    /** Makes the store see a driver timeout at {@code point}, as when a request or its answer is lost. */
    static FaultInjector timeoutAt(Point point) {
        return (reached, aggregateId) -> reached == point
                ? Future.failedFuture(new DriverTimeoutException("injected timeout " + point + " on aggregate " + aggregateId))
                : Future.succeededFuture();
    }

    /** Halts the JVM at {@code point}, as a power cut would: no shutdown hook, no flush. */
    static FaultInjector haltAt(Point point) {
        return (reached, aggregateId) -> {
            if (reached == point) {
                Runtime.getRuntime().halt(137);
            }
            return Future.succeededFuture();
        };
    }

    final class InjectedFault extends RuntimeException {
        public InjectedFault(Point point, UUID aggregateId) {
            super("injected fault " + point + " on aggregate " + aggregateId);
        }
    }
}
