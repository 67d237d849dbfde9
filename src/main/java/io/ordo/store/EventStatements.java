package io.ordo.store;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.vertx.core.Future;

import java.util.List;
import java.util.Objects;

/**
 * The event store's tables: {@code event_store} (the conditional batch is one guard plus one insert
 * per event, all in one partition) and {@code aggregate_sequence} (written with the sequence as its
 * write time, so a late write never moves it back). Every statement of these tables, prepared once at
 * start and named after what it does; a statement that cannot be prepared fails the start, never a
 * first use.
 */
public record EventStatements(
        PreparedStatement guardNewAggregate,
        PreparedStatement guardExpectedVersion,
        PreparedStatement insertEvent,
        PreparedStatement selectEvents,
        PreparedStatement selectEventId,
        PreparedStatement selectVersion,
        PreparedStatement updateAggregateSequence,
        PreparedStatement selectCausations) {

    static final String GUARD_NEW_AGGREGATE = """
            UPDATE %s.event_store SET version = :version, aggregate_type = :aggregate_type
            WHERE aggregate_id = :aggregate_id IF version = null""";
    static final String GUARD_EXPECTED_VERSION = """
            UPDATE %s.event_store SET version = :version
            WHERE aggregate_id = :aggregate_id IF version = :expected AND aggregate_type = :aggregate_type""";
    static final String INSERT_EVENT = """
            INSERT INTO %s.event_store (aggregate_id, sequence_number, event_id, event_type, event_version,
                event_data, causation_id, correlation_id, user_id, timestamp, metadata)
            VALUES (:aggregate_id, :sequence_number, :event_id, :event_type, :event_version,
                :event_data, :causation_id, :correlation_id, :user_id, :timestamp, :metadata)""";
    static final String SELECT_EVENTS = """
            SELECT aggregate_type, sequence_number, event_id, event_type, event_version, event_data,
                causation_id, correlation_id, user_id, timestamp, metadata
            FROM %s.event_store
            WHERE aggregate_id = :aggregate_id AND sequence_number >= :first AND sequence_number <= :last""";
    static final String SELECT_EVENT_ID = """
            SELECT event_id FROM %s.event_store WHERE aggregate_id = :aggregate_id AND sequence_number = :sequence_number""";
    static final String SELECT_VERSION = """
            SELECT version, aggregate_type FROM %s.event_store WHERE aggregate_id = :aggregate_id LIMIT 1""";
    static final String UPDATE_AGGREGATE_SEQUENCE = """
            UPDATE %s.aggregate_sequence USING TIMESTAMP :sequence
            SET aggregate_type = :aggregate_type, current_sequence = :sequence, updated_at = :updated_at
            WHERE aggregate_id = :aggregate_id""";

    // which command each event after a version came from: finding a keyed command's commit
    static final String SELECT_CAUSATIONS = """
            SELECT sequence_number, causation_id FROM %s.event_store
            WHERE aggregate_id = :aggregate_id AND sequence_number > :after""";

    public EventStatements {
        Objects.requireNonNull(guardNewAggregate, "guardNewAggregate");
        Objects.requireNonNull(guardExpectedVersion, "guardExpectedVersion");
        Objects.requireNonNull(insertEvent, "insertEvent");
        Objects.requireNonNull(selectEvents, "selectEvents");
        Objects.requireNonNull(selectEventId, "selectEventId");
        Objects.requireNonNull(selectVersion, "selectVersion");
        Objects.requireNonNull(updateAggregateSequence, "updateAggregateSequence");
        Objects.requireNonNull(selectCausations, "selectCausations");
    }

    public static Future<EventStatements> prepare(ReadModelSession session) {
        List<Future<PreparedStatement>> p = List.of(GUARD_NEW_AGGREGATE, GUARD_EXPECTED_VERSION,
                INSERT_EVENT, SELECT_EVENTS, SELECT_EVENT_ID, SELECT_VERSION, UPDATE_AGGREGATE_SEQUENCE,
                SELECT_CAUSATIONS).stream().map(session::prepare).toList();
        return Future.all(p).map(done -> new EventStatements(p.get(0).result(), p.get(1).result(),
                p.get(2).result(), p.get(3).result(), p.get(4).result(), p.get(5).result(),
                p.get(6).result(), p.get(7).result()));
    }
}
