package io.ordo.projection;

import io.ordo.store.ReadModelSession;
import io.vertx.core.Future;

import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/** What a rebuild gives a projection's {@link Projection#sweep sweep}. */
public interface Sweep {

    /** The rebuild's epoch: a sweep deletes at {@code writeTime(version, epoch)} where it knows the version. */
    long epoch();

    /**
     * The highest version of a stream of the projection's type the replay saw (at least 1): no projected
     * write of an aggregate the event store explains is above {@code writeTime(versionBound(), epoch())}.
     */
    long versionBound();

    /** Rows a scan reads at once. */
    int pageSize();

    /** Retries a scan's page read as the rebuild retries its steps. */
    ReadModelSession.Retry retry();

    /** Whether the event store holds a stream of the projection's aggregate type with this id. */
    Future<Boolean> hasStream(UUID id);

    /**
     * Runs {@code action} on each item, a bounded number at once, each retried with the rebuild's backoff
     * (so it must be idempotent); the action answers how many rows it removed, counted as swept.
     *
     * @param what names an item in a failure
     */
    <T> Future<Void> each(List<T> items, Function<T, String> what, Function<T, Future<Integer>> action);

    /** Records the rebuild's progress once a page is done; fails when a newer rebuild superseded this one. */
    Future<Void> pageDone();
}
