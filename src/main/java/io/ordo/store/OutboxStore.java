package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * What the relay reads and writes besides the events: the polling index of outbox intents, the
 * per-aggregate publication watermark and the sources' checkpoints.
 */
public final class OutboxStore {

    /** An outbox intent found in the polling index. */
    public record IndexedIntent(UUID writtenAt, UUID aggregateId, long sequenceNumber, UUID eventId) {
    }

    /** An event that can never be published; its aggregate's later events wait behind it. */
    public record DeadLetter(UUID aggregateId, long sequenceNumber, UUID eventId, String aggregateType, String eventType,
                             String topic, String error, Instant createdAt) {
    }

    /** The shard number that stands for the unsharded polling index of schema versions 1 to 3. */
    public static final int LEGACY_SHARD = -1;

    private final Vertx vertx;
    private final CqlSession session;
    private final OutboxStatements cql;

    OutboxStore(Vertx vertx, CqlSession session, OutboxStatements cql) {
        this.vertx = vertx;
        this.session = session;
        this.cql = cql;
    }

    /**
     * At most {@code limit} of the intents indexed for {@code shard} in {@code minute} with
     * {@code after < written_at <= until}, oldest first: a poller reads a busy minute a page at a time.
     * {@code shard} {@link #LEGACY_SHARD} reads the unsharded index that schema versions 1 to 3 wrote.
     */
    public Future<List<IndexedIntent>> intents(int shard, long minute, UUID after, UUID until, int limit) {
        var query = shard == LEGACY_SHARD
                ? cql.selectLegacyOutboxIndex().bind()
                : cql.selectOutboxIndex().bind().setInt("shard", shard);
        return all(query.setLong("minute", minute).setUuid("after", after).setUuid("until", until)
                        .setInt("max_rows", limit),
                row -> new IndexedIntent(row.getUuid("written_at"), row.getUuid("aggregate_id"),
                        row.getLong("sequence_number"), row.getUuid("event_id")));
    }

    /** Every row of a query, page after page. */
    private <T> Future<List<T>> all(Statement<?> query, Function<Row, T> read) {
        List<T> rows = new ArrayList<>();
        return Cql.forEachRow(vertx, session.executeAsync(query), row -> rows.add(read.apply(row))).map(v -> rows);
    }

    /** The highest sequence number published for the aggregate, 0 if none. */
    public Future<Long> publishedSequence(UUID aggregateId) {
        return Cql.future(vertx, session.executeAsync(cql.selectPublishedSequence().bind().setUuid("aggregate_id", aggregateId)))
                .map(rows -> {
                    Row row = rows.one();
                    return row == null || row.isNull("published_sequence") ? 0L : row.getLong("published_sequence");
                });
    }

    /** Moves the watermark to {@code sequence}; a lower write arriving late never moves it back. */
    public Future<Void> markPublished(UUID aggregateId, long sequence) {
        return Cql.future(vertx, session.executeAsync(cql.updatePublishedSequence().bind()
                        .setLong("sequence", sequence).setUuid("aggregate_id", aggregateId)))
                .mapEmpty();
    }

    public Future<Void> deadLetter(DeadLetter letter) {
        return Cql.future(vertx, session.executeAsync(cql.insertDeadLetter().bind()
                        .setUuid("aggregate_id", letter.aggregateId())
                        .setLong("sequence_number", letter.sequenceNumber())
                        .setUuid("event_id", letter.eventId())
                        .setString("aggregate_type", letter.aggregateType())
                        .setString("event_type", letter.eventType())
                        .setString("topic", letter.topic())
                        .setString("error", letter.error())
                        .setInstant("created_at", letter.createdAt())))
                .mapEmpty();
    }

    /** The aggregate's dead letters, lowest sequence number first. */
    public Future<List<DeadLetter>> deadLetters(UUID aggregateId) {
        return all(cql.selectDeadLettersOf().bind().setUuid("aggregate_id", aggregateId), OutboxStore::deadLetter);
    }

    /** Every dead letter (an operator's list: a small table). */
    public Future<List<DeadLetter>> allDeadLetters() {
        return all(cql.selectDeadLetters().bind(), OutboxStore::deadLetter);
    }

    private static DeadLetter deadLetter(Row row) {
        return new DeadLetter(row.getUuid("aggregate_id"), row.getLong("sequence_number"), row.getUuid("event_id"),
                row.getString("aggregate_type"), row.getString("event_type"), row.getString("topic"),
                row.getString("error"), row.getInstant("created_at"));
    }

    public Future<Void> removeDeadLetters(UUID aggregateId) {
        return Cql.future(vertx, session.executeAsync(cql.deleteDeadLettersOf().bind().setUuid("aggregate_id", aggregateId)))
                .mapEmpty();
    }

    /** Blocking: for the CDC library's own threads, never an event loop. */
    public String checkpointNow(String source, String task) {
        Row row = session.execute(cql.selectCheckpoint().bind().setString("source", source).setString("task_id", task)).one();
        return row == null ? null : row.getString("position");
    }

    /** Blocking: for the CDC library's own threads, never an event loop. */
    public void saveCheckpointNow(String source, String task, String position) {
        session.execute(cql.upsertCheckpoint().bind().setString("source", source).setString("task_id", task)
                .setString("position", position).setInstant("updated_at", Instant.now()));
    }

    public Future<String> checkpoint(String source, String task) {
        return Cql.future(vertx, session.executeAsync(cql.selectCheckpoint().bind()
                        .setString("source", source).setString("task_id", task)))
                .map(rows -> {
                    Row row = rows.one();
                    return row == null ? null : row.getString("position");
                });
    }

    public Future<Void> saveCheckpoint(String source, String task, String position) {
        return Cql.future(vertx, session.executeAsync(cql.upsertCheckpoint().bind()
                        .setString("source", source).setString("task_id", task)
                        .setString("position", position).setInstant("updated_at", Instant.now())))
                .mapEmpty();
    }
}
