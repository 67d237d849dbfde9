package io.ordo.store;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * What every projection keeps besides its own tables: its rebuild epoch and progress
 * ({@code projection_status}), the events it could not apply ({@code projection_dead_letters}), and the
 * event store's streams, which a rebuild replays. Every statement of these tables is here.
 */
public final class ProjectionStore {

    /** A projection's rebuild epoch and the progress of its latest rebuild. */
    public record ProjectionStatus(String projection, long epoch, String state, long aggregates, long events,
                                   Instant startedAt, Instant finishedAt, String error) {
        public static ProjectionStatus never(String projection) {
            return new ProjectionStatus(projection, 0, "NEVER_REBUILT", 0, 0, null, null, null);
        }
    }

    /** An event a projection could not apply; its aggregate waits behind it. */
    public record ParkedEvent(UUID aggregateId, long sequenceNumber, UUID eventId, String eventType, String error,
                              int attempts, Instant createdAt) {
    }

    /** One stream of the event store: an aggregate and its version. */
    public record Stream(UUID aggregateId, String aggregateType, long version) {
    }

    // every stream of the event store, for rebuilding projections from it
    static final String SELECT_STREAMS = """
            SELECT DISTINCT aggregate_id, aggregate_type, version FROM %s.event_store""";
    static final String SELECT_STATUS = """
            SELECT projection, epoch, state, aggregates, events, started_at, finished_at, error
            FROM %s.projection_status WHERE projection = :projection""";
    static final String START_REBUILD = """
            UPDATE %s.projection_status SET epoch = :epoch, state = 'REBUILDING', aggregates = 0, events = 0,
                started_at = :started_at, finished_at = null, error = null
            WHERE projection = :projection IF epoch = :expected_epoch""";
    // Tied to the rebuild's epoch: a rebuild superseded by a newer claim finds it not applied and stops.
    static final String UPDATE_REBUILD_PROGRESS = """
            UPDATE %s.projection_status SET state = :state, aggregates = :aggregates, events = :events,
                finished_at = :finished_at, error = :error
            WHERE projection = :projection IF epoch = :epoch""";
    static final String INSERT_DEAD_LETTER = """
            INSERT INTO %s.projection_dead_letters (projection, aggregate_id, sequence_number, event_id, event_type, error,
                attempts, created_at)
            VALUES (:projection, :aggregate_id, :sequence_number, :event_id, :event_type, :error, :attempts, :created_at)""";
    static final String SELECT_DEAD_LETTERS = """
            SELECT aggregate_id, sequence_number, event_id, event_type, error, attempts, created_at
            FROM %s.projection_dead_letters WHERE projection = :projection""";
    static final String SELECT_DEAD_LETTER = """
            SELECT sequence_number FROM %s.projection_dead_letters WHERE projection = :projection AND aggregate_id = :aggregate_id""";
    static final String DELETE_DEAD_LETTER = """
            DELETE FROM %s.projection_dead_letters WHERE projection = :projection AND aggregate_id = :aggregate_id""";

    private record Statements(PreparedStatement selectStreams, PreparedStatement selectStatus, PreparedStatement startRebuild,
                              PreparedStatement updateRebuildProgress, PreparedStatement insertDeadLetter,
                              PreparedStatement selectDeadLetters, PreparedStatement selectDeadLetter,
                              PreparedStatement deleteDeadLetter) {
    }

    private final ReadModelSession session;
    private final Statements cql;

    private ProjectionStore(ReadModelSession session, Statements cql) {
        this.session = session;
        this.cql = cql;
    }

    static Future<ProjectionStore> prepare(ReadModelSession session) {
        List<Future<PreparedStatement>> p = List.of(SELECT_STREAMS, SELECT_STATUS, START_REBUILD, UPDATE_REBUILD_PROGRESS,
                INSERT_DEAD_LETTER, SELECT_DEAD_LETTERS, SELECT_DEAD_LETTER, DELETE_DEAD_LETTER).stream()
                .map(session::prepare).toList();
        return Future.all(p).map(done -> new ProjectionStore(session, new Statements(p.get(0).result(), p.get(1).result(),
                p.get(2).result(), p.get(3).result(), p.get(4).result(), p.get(5).result(), p.get(6).result(),
                p.get(7).result())));
    }

    /** Hands every stream of the event store to {@code page}, one page at a time, each after the last completed. */
    public Future<Void> forEachStreamPage(int pageSize, ReadModelSession.Retry retry, Function<List<Stream>, Future<Void>> page) {
        // a stream whose first append never committed holds no events: no version
        return session.forEachPage(cql.selectStreams().bind(), pageSize, retry, "reading the event store's streams",
                row -> row.isNull("version") ? null : new Stream(row.getUuid("aggregate_id"),
                        row.getString("aggregate_type"), row.getLong("version")), page);
    }

    public Future<ProjectionStatus> projectionStatus(String projection) {
        return session.execute(cql.selectStatus().bind().setString("projection", projection)).map(rows -> {
            Row row = rows.one();
            return row == null ? ProjectionStatus.never(projection) : new ProjectionStatus(projection,
                    row.isNull("epoch") ? 0 : row.getLong("epoch"), row.getString("state"),
                    row.isNull("aggregates") ? 0 : row.getLong("aggregates"), row.isNull("events") ? 0 : row.getLong("events"),
                    row.getInstant("started_at"), row.getInstant("finished_at"), row.getString("error"));
        });
    }

    /** Claims the next epoch for a rebuild; false when another rebuild claimed it first. */
    public Future<Boolean> startRebuild(String projection, long currentEpoch, long nextEpoch, Instant now) {
        return session.execute(cql.startRebuild().bind().setString("projection", projection).setLong("epoch", nextEpoch)
                .setInstant("started_at", now).set("expected_epoch", currentEpoch == 0 ? null : currentEpoch, Long.class)
                .setIdempotent(false)).map(AsyncResultSet::wasApplied);
    }

    /** Records the progress or the end of the rebuild of {@code epoch}; false when a newer rebuild claimed the projection. */
    public Future<Boolean> recordRebuild(String projection, long epoch, String state, long aggregates, long events,
                                         Instant finishedAt, String error) {
        return session.execute(cql.updateRebuildProgress().bind().setString("projection", projection).setString("state", state)
                .setLong("aggregates", aggregates).setLong("events", events).setInstant("finished_at", finishedAt)
                .setString("error", error).setLong("epoch", epoch).setIdempotent(false)).map(AsyncResultSet::wasApplied);
    }

    public Future<Void> park(String projection, ParkedEvent event) {
        return session.execute(cql.insertDeadLetter().bind().setString("projection", projection)
                .setUuid("aggregate_id", event.aggregateId()).setLong("sequence_number", event.sequenceNumber())
                .setUuid("event_id", event.eventId()).setString("event_type", event.eventType())
                .setString("error", event.error()).setInt("attempts", event.attempts())
                .setInstant("created_at", event.createdAt())).mapEmpty();
    }

    /** The projection's dead letters (an operator's list, kept short by retries). */
    public Future<List<ParkedEvent>> parked(String projection) {
        return session.all(cql.selectDeadLetters().bind().setString("projection", projection),
                row -> new ParkedEvent(row.getUuid("aggregate_id"), row.getLong("sequence_number"),
                        row.getUuid("event_id"), row.getString("event_type"), row.getString("error"),
                        row.getInt("attempts"), row.getInstant("created_at")));
    }

    /** Whether the aggregate still waits behind a dead letter of {@code projection}. */
    public Future<Boolean> isParked(String projection, UUID aggregateId) {
        return session.execute(cql.selectDeadLetter().bind().setString("projection", projection)
                .setUuid("aggregate_id", aggregateId)).map(rows -> rows.one() != null);
    }

    public Future<Void> unpark(String projection, UUID aggregateId) {
        return session.execute(cql.deleteDeadLetter().bind().setString("projection", projection)
                .setUuid("aggregate_id", aggregateId)).mapEmpty();
    }
}
