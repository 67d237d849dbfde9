package io.ordo.projection;

import io.ordo.es.Aggregate;
import io.ordo.es.Decider;
import io.vertx.core.Future;

import java.util.List;

/**
 * A read model kept from one aggregate type's events. A projection writes an aggregate's state at a
 * version as whole rows, at a write time that grows with the version, so the rows end as the highest
 * version written, whatever the order or the number of times the writes arrive.
 *
 * @param <S> the aggregate's state
 */
public interface Projection<S> {

    /** Bits of a write time below the version: a rebuild's epoch, which wins a tie at the same version. */
    int EPOCH_BITS = 20;

    /** The name operators use, e.g. {@code orders}. */
    String name();

    default String aggregateType() {
        return decider().aggregateType();
    }

    /** The tables it maintains, for the operators' view. */
    List<String> tables();

    Decider<S, ?, ?> decider();

    /**
     * Writes the rows of {@code aggregate} at {@code writeTime}.
     *
     * @param previous the state this instance last wrote, or null when unknown. A hint only: a rebuild,
     *                 or a retry on another instance, may have written a version in between
     */
    Future<Void> write(Aggregate<S> aggregate, Aggregate<S> previous, long writeTime);

    /** Writes the rows of {@code aggregate} assuming nothing about them, and removes what no state of it explains. */
    default Future<Void> repair(Aggregate<S> aggregate, long writeTime) {
        return write(aggregate, null, writeTime);
    }

    /**
     * After a rebuild replayed every stream: removes the rows of its tables that no stream of the event
     * store explains (the replay only writes what the streams give), counting them into {@code sweep}.
     * Full scans, a page at a time; a row the live path may be writing meanwhile is left to it.
     */
    default Future<Void> sweep(Sweep sweep) {
        return Future.succeededFuture();
    }

    /** The write time of {@code version} written by epoch {@code epoch} (0 for live updates). */
    static long writeTime(long version, long epoch) {
        if (epoch < 0 || epoch >= 1L << EPOCH_BITS) {
            throw new IllegalArgumentException("epoch out of range: " + epoch);
        }
        return version << EPOCH_BITS | epoch;
    }
}
