package io.ordo.store;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.vertx.core.Future;

import java.util.List;
import java.util.Objects;

/**
 * The {@code snapshots} table: an aggregate's state every N events, newest first. Every statement of
 * these tables, prepared once at start and named after what it does; a statement that cannot be
 * prepared fails the start, never a first use.
 */
public record SnapshotStatements(
        PreparedStatement insertSnapshot,
        PreparedStatement selectSnapshotAtOrBefore,
        PreparedStatement selectSnapshotTimes) {

    static final String INSERT_SNAPSHOT = """
            INSERT INTO %s.snapshots (aggregate_id, version, aggregate_type, schema_version, state,
                    event_time, created_at)
            VALUES (:aggregate_id, :version, :aggregate_type, :schema_version, :state, :event_time, :created_at)""";
    static final String SELECT_SNAPSHOT_AT_OR_BEFORE = """
            SELECT version, aggregate_type, schema_version, state, event_time FROM %s.snapshots
            WHERE aggregate_id = :aggregate_id AND version <= :version LIMIT 1""";
    static final String SELECT_SNAPSHOT_TIMES = """
            SELECT version, event_time FROM %s.snapshots WHERE aggregate_id = :aggregate_id""";

    public SnapshotStatements {
        Objects.requireNonNull(insertSnapshot, "insertSnapshot");
        Objects.requireNonNull(selectSnapshotAtOrBefore, "selectSnapshotAtOrBefore");
        Objects.requireNonNull(selectSnapshotTimes, "selectSnapshotTimes");
    }

    public static Future<SnapshotStatements> prepare(ReadModelSession session) {
        List<Future<PreparedStatement>> p = List.of(INSERT_SNAPSHOT, SELECT_SNAPSHOT_AT_OR_BEFORE,
                SELECT_SNAPSHOT_TIMES).stream().map(session::prepare).toList();
        return Future.all(p).map(done -> new SnapshotStatements(p.get(0).result(), p.get(1).result(),
                p.get(2).result()));
    }
}
