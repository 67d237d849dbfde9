package io.ordo.store;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.vertx.core.Future;

import java.util.List;
import java.util.Objects;

/**
 * The relay's tables: the outbox and its polling index, the watermark in {@code aggregate_sequence}
 * (written with the sequence as its write time, so it only moves forward), the dead letters and the
 * sources' checkpoints. Every statement of these tables, prepared once at start and named after what
 * it does; a statement that cannot be prepared fails the start, never a first use.
 */
public record OutboxStatements(
        PreparedStatement insertOutboxMessage,
        PreparedStatement insertOutboxIndex,
        PreparedStatement deleteOutboxMessage,
        PreparedStatement selectOutboxIndex,
        PreparedStatement selectLegacyOutboxIndex,
        PreparedStatement selectPublishedSequence,
        PreparedStatement updatePublishedSequence,
        PreparedStatement insertDeadLetter,
        PreparedStatement selectDeadLettersOf,
        PreparedStatement selectDeadLetters,
        PreparedStatement deleteDeadLettersOf,
        PreparedStatement selectCheckpoint,
        PreparedStatement upsertCheckpoint) {

    static final String INSERT_OUTBOX_MESSAGE = """
            INSERT INTO %s.outbox_messages (aggregate_id, sequence_number, event_id, id, aggregate_type,
                event_type, event_version, payload, topic, partition_key, causation_id, correlation_id,
                created_at, attempts)
            VALUES (:aggregate_id, :sequence_number, :event_id, :id, :aggregate_type,
                :event_type, :event_version, :payload, :topic, :partition_key, :causation_id, :correlation_id,
                :created_at, 0)""";
    static final String INSERT_OUTBOX_INDEX = """
            INSERT INTO %s.outbox_by_shard (shard, minute, written_at, aggregate_id, sequence_number, event_id)
            VALUES (:shard, :minute, :written_at, :aggregate_id, :sequence_number, :event_id)""";
    static final String DELETE_OUTBOX_MESSAGE = """
            DELETE FROM %s.outbox_messages
            WHERE aggregate_id = :aggregate_id AND sequence_number = :sequence_number AND event_id = :event_id""";
    static final String SELECT_OUTBOX_INDEX = """
            SELECT written_at, aggregate_id, sequence_number, event_id FROM %s.outbox_by_shard
            WHERE shard = :shard AND minute = :minute AND written_at > :after AND written_at <= :until LIMIT :max_rows""";
    /** The index of schema versions 1 to 3, unsharded: read until what older builds wrote there is published. */
    static final String SELECT_LEGACY_OUTBOX_INDEX = """
            SELECT written_at, aggregate_id, sequence_number, event_id FROM %s.outbox_by_minute
            WHERE minute = :minute AND written_at > :after AND written_at <= :until LIMIT :max_rows""";
    static final String SELECT_PUBLISHED_SEQUENCE = """
            SELECT published_sequence FROM %s.aggregate_sequence WHERE aggregate_id = :aggregate_id""";
    static final String UPDATE_PUBLISHED_SEQUENCE = """
            UPDATE %s.aggregate_sequence USING TIMESTAMP :sequence SET published_sequence = :sequence
            WHERE aggregate_id = :aggregate_id""";
    static final String INSERT_DEAD_LETTER = """
            INSERT INTO %s.dead_letter_events (aggregate_id, sequence_number, event_id, aggregate_type,
                    event_type, topic,
                error, attempts, status, created_at, updated_at)
            VALUES (:aggregate_id, :sequence_number, :event_id, :aggregate_type, :event_type, :topic,
                :error, 1, 'PARKED', :created_at, :created_at)""";
    static final String SELECT_DEAD_LETTERS_OF = """
            SELECT aggregate_id, sequence_number, event_id, aggregate_type, event_type, topic, error, created_at
            FROM %s.dead_letter_events WHERE aggregate_id = :aggregate_id""";
    static final String SELECT_DEAD_LETTERS = """
            SELECT aggregate_id, sequence_number, event_id, aggregate_type, event_type, topic, error, created_at
            FROM %s.dead_letter_events""";
    static final String DELETE_DEAD_LETTERS_OF = """
            DELETE FROM %s.dead_letter_events WHERE aggregate_id = :aggregate_id""";
    static final String SELECT_CHECKPOINT = """
            SELECT position FROM %s.cdc_checkpoints WHERE source = :source AND task_id = :task_id""";
    static final String UPSERT_CHECKPOINT = """
            INSERT INTO %s.cdc_checkpoints (source, task_id, position, updated_at)
            VALUES (:source, :task_id, :position, :updated_at)""";

    public OutboxStatements {
        Objects.requireNonNull(insertOutboxMessage, "insertOutboxMessage");
        Objects.requireNonNull(insertOutboxIndex, "insertOutboxIndex");
        Objects.requireNonNull(deleteOutboxMessage, "deleteOutboxMessage");
        Objects.requireNonNull(selectOutboxIndex, "selectOutboxIndex");
        Objects.requireNonNull(selectLegacyOutboxIndex, "selectLegacyOutboxIndex");
        Objects.requireNonNull(selectPublishedSequence, "selectPublishedSequence");
        Objects.requireNonNull(updatePublishedSequence, "updatePublishedSequence");
        Objects.requireNonNull(insertDeadLetter, "insertDeadLetter");
        Objects.requireNonNull(selectDeadLettersOf, "selectDeadLettersOf");
        Objects.requireNonNull(selectDeadLetters, "selectDeadLetters");
        Objects.requireNonNull(deleteDeadLettersOf, "deleteDeadLettersOf");
        Objects.requireNonNull(selectCheckpoint, "selectCheckpoint");
        Objects.requireNonNull(upsertCheckpoint, "upsertCheckpoint");
    }

    public static Future<OutboxStatements> prepare(ReadModelSession session) {
        List<Future<PreparedStatement>> p = List.of(INSERT_OUTBOX_MESSAGE, INSERT_OUTBOX_INDEX,
                DELETE_OUTBOX_MESSAGE, SELECT_OUTBOX_INDEX, SELECT_LEGACY_OUTBOX_INDEX, SELECT_PUBLISHED_SEQUENCE,
                UPDATE_PUBLISHED_SEQUENCE, INSERT_DEAD_LETTER, SELECT_DEAD_LETTERS_OF, SELECT_DEAD_LETTERS,
                DELETE_DEAD_LETTERS_OF, SELECT_CHECKPOINT,
                UPSERT_CHECKPOINT).stream().map(session::prepare).toList();
        return Future.all(p).map(done -> new OutboxStatements(p.get(0).result(), p.get(1).result(),
                p.get(2).result(), p.get(3).result(), p.get(4).result(), p.get(5).result(),
                p.get(6).result(), p.get(7).result(), p.get(8).result(), p.get(9).result(),
                p.get(10).result(), p.get(11).result(), p.get(12).result()));
    }
}
