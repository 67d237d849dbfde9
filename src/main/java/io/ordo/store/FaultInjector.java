package io.ordo.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.WriteFailureException;
import com.datastax.oss.driver.api.core.servererrors.WriteType;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

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
        RELAY_PUBLISHED,
        /** The relay has read a range of events to publish (with {@link #shortReadAt}: fewer came back). */
        RELAY_READ,
        /** A projection is about to write an aggregate's read-model rows. */
        PROJECTION_WRITE,
        /** A unique value (a customer's email) is about to be freed by the aggregate that held it. */
        VALUE_RELEASE
    }

    FaultInjector NONE = (point, aggregateId) -> Future.succeededFuture();

    Future<Void> at(Point point, UUID aggregateId);

    /** What a read at {@code point} answers: {@code rows} as read, unless a test makes it come back short. */
    default <T> List<T> read(Point point, UUID aggregateId, List<T> rows) {
        return rows;
    }

    /**
     * Makes the first {@code times} reads at {@code point} answer only their first {@code keep} rows, as
     * a replica that is behind the one the head was read from would: the reader must notice the range
     * is short and read again, never skip what it did not get.
     */
    static FaultInjector shortReadAt(Point point, int keep, int times) {
        AtomicInteger left = new AtomicInteger(times);
        return new FaultInjector() {
            @Override
            public Future<Void> at(Point reached, UUID aggregateId) {
                return Future.succeededFuture();
            }

            @Override
            public <T> List<T> read(Point reached, UUID aggregateId, List<T> rows) {
                if (reached != point || rows.size() <= keep || left.getAndDecrement() <= 0) {
                    return rows;
                }
                return List.copyOf(rows.subList(0, keep));
            }
        };
    }

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

    /**
     * Makes the store see a Paxos write failure at {@code point}, as ScyllaDB reports when replicas fail in a
     * conditional batch's accept phase: the batch may or may not have been applied.
     */
    static FaultInjector writeFailureAt(Point point) {
        return (reached, aggregateId) -> reached == point
                ? Future.failedFuture(new WriteFailureException(null, ConsistencyLevel.QUORUM, 1, 2, WriteType.CAS, 1, Map.of()))
                : Future.succeededFuture();
    }

    /** Makes the store see a driver timeout at {@code point} for as long as {@code failing} holds: an outage. */
    static FaultInjector timeoutAtWhile(Point point, java.util.function.BooleanSupplier failing) {
        return (reached, aggregateId) -> reached == point && failing.getAsBoolean()
                ? Future.failedFuture(new DriverTimeoutException("injected outage " + point + " on aggregate " + aggregateId))
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
