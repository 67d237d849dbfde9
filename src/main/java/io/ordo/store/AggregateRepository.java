package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordo.es.Aggregate;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventEnvelope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Loads and saves the aggregates of one type: the latest usable snapshot plus the events after
 * it, time travel to a version or an instant, and a snapshot each time an append crosses a
 * multiple of {@link StoreConfig#snapshotEvery()}.
 *
 * <p>A snapshot is used only if it was written for this aggregate type with the state schema
 * version this build has ({@link Decider#stateVersion()}) and reads back cleanly; otherwise it is
 * ignored and the events are replayed, so a stale snapshot costs time, never correctness.
 */
public final class AggregateRepository<S, C, E extends DomainEvent> {

    private volatile StoreObserver observer = StoreObserver.NONE;

    private static final Logger LOG = LoggerFactory.getLogger(AggregateRepository.class);

    private final Vertx vertx;
    private final CqlSession session;
    private final SnapshotStatements cql;
    private final EventStore store;
    private final Decider<S, C, E> decider;
    private final ObjectMapper mapper;
    private final JavaType snapshotType;

    /** How a snapshot's state is stored: the state plus the aggregate's creation time. */
    record SnapshotBody<S>(String createdAt, S state) {
    }

    public AggregateRepository(Vertx vertx, CqlSession session, SnapshotStatements cql, EventStore store,
                               Decider<S, C, E> decider) {
        this.vertx = vertx;
        this.session = session;
        this.cql = cql;
        this.store = store;
        this.decider = decider;
        this.mapper = store.serializer().mapper();
        this.snapshotType = mapper.getTypeFactory().constructParametricType(SnapshotBody.class, decider.stateClass());
    }

    /** Reports each load to {@code observer} (metrics). */
    public void observe(StoreObserver observer) {
        this.observer = observer;
    }

    public Decider<S, C, E> decider() {
        return decider;
    }

    public EventStore store() {
        return store;
    }

    /** The aggregate as it is now (version 0 if it has no event). */
    public Future<Aggregate<S>> load(UUID id) {
        return loadAt(id, Long.MAX_VALUE);
    }

    /** The aggregate as it was at {@code version}, or as it is now if it has not reached that version. */
    public Future<Aggregate<S>> loadAt(UUID id, long version) {
        if (version < 0) {
            return Future.failedFuture(new IllegalArgumentException("version must be >= 0, was " + version));
        }
        long started = System.nanoTime();
        return snapshotAtOrBefore(id, version).compose(base -> replay(base, version, null).onSuccess(loaded ->
                observer.loaded(decider.aggregateType(), System.nanoTime() - started, loaded.version() - base.version(),
                        base.version() > 0)));
    }

    /** The aggregate as it was at {@code instant}: every event stamped at or before it. */
    public Future<Aggregate<S>> loadAt(UUID id, Instant instant) {
        return Cql.future(vertx, session.executeAsync(cql.selectSnapshotTimes().bind().setUuid("aggregate_id", id)))
                .compose(rows -> {
                    // Newest first; event times never go backwards within an aggregate.
                    long usable = 0;
                    for (Row row : rows.currentPage()) {
                        if (!row.getInstant("event_time").isAfter(instant)) {
                            usable = row.getLong("version");
                            break;
                        }
                    }
                    return usable == 0 ? Future.succeededFuture(Aggregate.empty(decider, id)) : snapshotAtOrBefore(id, usable);
                })
                .compose(base -> replay(base, Long.MAX_VALUE, instant));
    }

    /**
     * Appends the events that {@code before.execute(...)} produced and, when the new version crosses
     * a multiple of the snapshot interval, snapshots {@code after}.
     */
    public Future<AppendResult> save(Aggregate<S> before, List<? extends EventEnvelope<E>> events, Aggregate<S> after) {
        return store.append(decider.aggregateType(), before.id(), before.version(), events)
                .compose(result -> {
                    int every = store.config().snapshotEvery();
                    if (result instanceof AppendResult.Appended && after.version() / every > before.version() / every) {
                        return snapshot(after).map(result);
                    }
                    return Future.succeededFuture(result);
                });
    }

    /** Writes a snapshot of {@code aggregate}; a failure is logged, never passed on (snapshots are an optimisation). */
    public Future<Void> snapshot(Aggregate<S> aggregate) {
        if (!aggregate.exists()) {
            return Future.succeededFuture();
        }
        String state;
        try {
            state = mapper.writeValueAsString(new SnapshotBody<>(aggregate.createdAt().toString(), aggregate.state()));
        } catch (IOException e) {
            LOG.warn("Cannot serialize a snapshot of {} {}: {}", aggregate.type(), aggregate.id(), e.toString());
            return Future.succeededFuture();
        }
        return Cql.future(vertx, session.executeAsync(cql.insertSnapshot().bind()
                        .setUuid("aggregate_id", aggregate.id())
                        .setLong("version", aggregate.version())
                        .setString("aggregate_type", aggregate.type())
                        .setInt("schema_version", decider.stateVersion())
                        .setString("state", state)
                        .setInstant("event_time", aggregate.updatedAt())
                        .setInstant("created_at", Instant.now())))
                .<Void>mapEmpty()
                .recover(e -> {
                    LOG.warn("Cannot write a snapshot of {} {} v{}: {}", aggregate.type(), aggregate.id(),
                            aggregate.version(), e.toString());
                    return Future.succeededFuture();
                });
    }

    private Future<Aggregate<S>> snapshotAtOrBefore(UUID id, long version) {
        return Cql.future(vertx, session.executeAsync(cql.selectSnapshotAtOrBefore().bind()
                        .setUuid("aggregate_id", id)
                        .setLong("version", version)))
                .map(rows -> fromSnapshot(id, rows.one()));
    }

    private Aggregate<S> fromSnapshot(UUID id, Row row) {
        if (row == null) {
            return Aggregate.empty(decider, id);
        }
        long version = row.getLong("version");
        if (!decider.aggregateType().equals(row.getString("aggregate_type"))
                || row.getInt("schema_version") != decider.stateVersion()) {
            LOG.debug("Ignoring snapshot of {} v{}: written for {} state v{}", id, version,
                    row.getString("aggregate_type"), row.getInt("schema_version"));
            return Aggregate.empty(decider, id);
        }
        try {
            SnapshotBody<S> body = mapper.readValue(row.getString("state"), snapshotType);
            return new Aggregate<>(decider.aggregateType(), id, version, body.state(), Instant.parse(body.createdAt()),
                    row.getInstant("event_time"));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring unreadable snapshot of {} v{}: {}", id, version, e.toString());
            return Aggregate.empty(decider, id);
        }
    }

    /** Replays the events after {@code base} up to {@code toVersion} and, if given, up to {@code until}. */
    private Future<Aggregate<S>> replay(Aggregate<S> base, long toVersion, Instant until) {
        Replay<S> replay = new Replay<>(base);
        return store.forEach(base.id(), base.version() + 1, toVersion, event -> {
                    if (until != null && event.timestamp().isAfter(until)) {
                        return false;
                    }
                    if (!decider.aggregateType().equals(event.aggregateType())) {
                        throw new AggregateTypeMismatchException(base.id(), decider.aggregateType(), event.aggregateType());
                    }
                    replay.current = replay.current.apply(decider, event);
                    return true;
                })
                .map(v -> replay.current);
    }

    /** The state a replay has reached, page after page. */
    private static final class Replay<S> {
        Aggregate<S> current;

        Replay(Aggregate<S> start) {
            current = start;
        }
    }
}
