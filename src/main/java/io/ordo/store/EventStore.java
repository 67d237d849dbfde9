package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.WriteFailureException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import io.ordo.cluster.Shards;
import io.ordo.es.CommandMetadata;
import io.ordo.es.DomainEvent;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializationException;
import io.ordo.es.EventSerializer;
import io.ordo.ops.Logs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The event store on a CQL database (ScyllaDB in production, Cassandra embedded), asynchronous
 * throughout. Appends follow DESIGN.md §3 exactly:
 * <ol>
 *   <li>the outbox rows for the new events (with the polling index where the dialect needs it):
 *       an intent, durable before the commit;</li>
 *   <li>the commit: ONE conditional batch on the aggregate's {@code event_store} partition, guarded
 *       by its static {@code version}, with one insert per event: all or nothing, isolated;</li>
 *   <li>after the commit, {@code aggregate_sequence}.</li>
 * </ol>
 * A refused guard is a {@link AppendResult.Conflict} carrying the current version; a timed-out
 * commit is an {@link UnknownOutcomeException}.
 */
public final class EventStore {

    private static final Logger LOG = LoggerFactory.getLogger(EventStore.class);

    private final Vertx vertx;
    private final CqlSession session;
    private final EventStatements cql;
    private final OutboxStatements outboxCql;
    private final StoreConfig config;
    private final EventSerializer serializer;
    private final EnvelopeCodec codec;
    private final FaultInjector faults;
    private final Clock clock;
    private final Function<String, String> topicOf;

    /**
     * @param topicOf the Kafka topic of an aggregate type's events (null: none), recorded in ScyllaDB's outbox rows
     * @param clock   stamps events and outbox intents (a test's, to stand on a minute's boundary)
     */
    public EventStore(Vertx vertx, CqlSession session, EventStatements cql, OutboxStatements outboxCql, StoreConfig config,
                      EventSerializer serializer, Function<String, String> topicOf, FaultInjector faults, Clock clock) {
        this.outboxCql = outboxCql;
        this.topicOf = topicOf;
        this.clock = clock;
        this.vertx = vertx;
        this.session = session;
        this.cql = cql;
        this.config = config;
        this.serializer = serializer;
        this.codec = new EnvelopeCodec(serializer);
        this.faults = faults;
    }

    public EventSerializer serializer() {
        return serializer;
    }

    public StoreConfig config() {
        return config;
    }

    /** Wraps {@code events} as the next versions of the aggregate and appends them. */
    public Future<AppendResult> append(String aggregateType, UUID aggregateId, long expectedVersion,
                                       List<? extends DomainEvent> events, CommandMetadata metadata) {
        if (events == null || events.isEmpty() || expectedVersion < 0) {
            return append(aggregateType, aggregateId, expectedVersion, List.of()); // reported by its validation
        }
        Instant now = clock.instant();
        List<EventEnvelope<?>> envelopes = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            envelopes.add(EventEnvelope.wrap(events.get(i), aggregateId, aggregateType, expectedVersion + 1 + i,
                    metadata, now));
        }
        return append(aggregateType, aggregateId, expectedVersion, envelopes);
    }

    /**
     * Appends envelopes numbered {@code expectedVersion + 1}, {@code + 2}, ... to the aggregate, if
     * it is still at {@code expectedVersion} (0 for a new aggregate).
     */
    public Future<AppendResult> append(String aggregateType, UUID aggregateId, long expectedVersion,
                                       List<? extends EventEnvelope<?>> events) {
        try {
            validate(aggregateType, aggregateId, expectedVersion, events);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return writeOutbox(aggregateType, aggregateId, events)
                .compose(v -> faults.at(FaultInjector.Point.AFTER_OUTBOX, aggregateId))
                .compose(v -> commit(aggregateType, aggregateId, expectedVersion, events))
                .compose(result -> result instanceof AppendResult.Appended appended
                        ? afterCommit(aggregateType, aggregateId, appended)
                        : Future.succeededFuture(result));
    }

    private static void validate(String aggregateType, UUID aggregateId, long expectedVersion,
                                 List<? extends EventEnvelope<?>> events) {
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(aggregateId, "aggregateId");
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expected version must be >= 0, was " + expectedVersion);
        }
        if (events == null || events.isEmpty()) {
            throw new IllegalArgumentException("nothing to append: the event list is empty");
        }
        long sequence = expectedVersion;
        for (EventEnvelope<?> event : events) {
            sequence++;
            if (!aggregateId.equals(event.aggregateId()) || !aggregateType.equals(event.aggregateType())) {
                throw new IllegalArgumentException("event " + event.eventId() + " is for " + event.aggregateType() + " "
                        + event.aggregateId() + ", not " + aggregateType + " " + aggregateId);
            }
            if (event.sequenceNumber() != sequence) {
                throw new IllegalArgumentException("event " + event.eventId() + " has sequence number "
                        + event.sequenceNumber() + " where " + sequence + " follows expected version " + expectedVersion);
            }
        }
    }

    /**
     * Writes the events' outbox intents as one single-partition batch: on ScyllaDB the outbox rows
     * (the aggregate's partition, streamed by CDC), on Cassandra their polling-index rows (the partition of its shard and minute). Each index row's minute and its {@code written_at} come from one instant, so a row
     * written as a minute turns is in the bucket its time stamp names, never one the poller has left.
     */
    private Future<Void> writeOutbox(String aggregateType, UUID aggregateId, List<? extends EventEnvelope<?>> events) {
        Instant now = clock.instant();
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
        if (config.dialect().outboxIntent() == Dialect.OutboxIntent.POLLING_INDEX) {
            long minute = now.toEpochMilli() / 60_000;
            int shard = Shards.of(aggregateId, config.shards());
            for (EventEnvelope<?> event : events) {
                batch.addStatement(outboxCql.insertOutboxIndex().bind()
                        .setInt("shard", shard)
                        .setLong("minute", minute)
                        .setUuid("written_at", TimeUuids.at(now))
                        .setUuid("aggregate_id", aggregateId)
                        .setLong("sequence_number", event.sequenceNumber())
                        .setUuid("event_id", event.eventId()));
            }
        } else {
            String topic = topicOf.apply(aggregateType); // none: the relay makes the event a dead letter
            for (EventEnvelope<?> event : events) {
                batch.addStatement(outboxCql.insertOutboxMessage().bind()
                        .setUuid("aggregate_id", aggregateId)
                        .setLong("sequence_number", event.sequenceNumber())
                        .setUuid("event_id", event.eventId())
                        .setUuid("id", TimeUuids.at(now))
                        .setString("aggregate_type", aggregateType)
                        .setString("event_type", event.eventType())
                        .setInt("event_version", event.eventVersion())
                        .setString("payload", codec.encode(event))
                        .setString("topic", topic)
                        .setString("partition_key", aggregateId.toString())
                        .setUuid("causation_id", event.causationId())
                        .setUuid("correlation_id", event.correlationId())
                        .setInstant("created_at", now));
            }
        }
        return Cql.future(vertx, session.executeAsync(batch.build())).mapEmpty();
    }

    private Future<AppendResult> commit(String aggregateType, UUID aggregateId, long expectedVersion,
                                        List<? extends EventEnvelope<?>> events) {
        long newVersion = expectedVersion + events.size();
        BoundStatement guard = expectedVersion == 0
                ? cql.guardNewAggregate().bind()
                        .setUuid("aggregate_id", aggregateId)
                        .setLong("version", newVersion)
                        .setString("aggregate_type", aggregateType)
                : cql.guardExpectedVersion().bind()
                        .setUuid("aggregate_id", aggregateId)
                        .setLong("version", newVersion)
                        .setLong("expected", expectedVersion)
                        .setString("aggregate_type", aggregateType);
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED).addStatement(guard);
        for (EventEnvelope<?> event : events) {
            batch.addStatement(cql.insertEvent().bind()
                    .setUuid("aggregate_id", aggregateId)
                    .setLong("sequence_number", event.sequenceNumber())
                    .setUuid("event_id", event.eventId())
                    .setString("event_type", event.eventType())
                    .setInt("event_version", event.eventVersion())
                    .setString("event_data", serializer.toJson(event.eventData()))
                    .setUuid("causation_id", event.causationId())
                    .setUuid("correlation_id", event.correlationId())
                    .setUuid("user_id", event.userId())
                    .setInstant("timestamp", event.timestamp())
                    .setMap("metadata", event.metadata(), String.class, String.class));
        }
        // Not idempotent: the driver must never retry a conditional batch on its own.
        BatchStatement statement = batch.setIdempotence(false).build();
        return faults.at(FaultInjector.Point.BEFORE_COMMIT, aggregateId)
                .compose(v -> Cql.future(vertx, session.executeAsync(statement)))
                .compose(rows -> faults.at(FaultInjector.Point.COMMIT_ANSWERED, aggregateId).map(rows))
                .compose(
                rows -> rows.wasApplied()
                        ? Future.succeededFuture(new AppendResult.Appended(newVersion, List.copyOf(events)))
                        : refused(aggregateType, aggregateId, rows.one(), events),
                failure -> isUnknownOutcome(failure)
                        ? resolve(aggregateType, aggregateId, expectedVersion, events, failure)
                        : Future.failedFuture(failure));
    }

    /**
     * Settles a commit whose outcome is unknown (it timed out, or failed in Paxos) with a SERIAL read of
     * the first sequence number it wrote: the read completes any Paxos round still in flight, so what it
     * finds is final. Our event there
     * means applied (answered as null rows); no event means not applied, which is read back as the
     * current version like any refusal; if the read fails too, the outcome stays unknown.
     */
    private Future<AppendResult> resolve(String aggregateType, UUID aggregateId, long expectedVersion,
                                         List<? extends EventEnvelope<?>> events, Throwable doubt) {
        UUID ours = events.get(0).eventId();
        String why = doubt.getClass().getSimpleName();
        return committedEventId(aggregateId, expectedVersion + 1)
                .recover(unreadable -> Future.failedFuture(new UnknownOutcomeException(aggregateId, expectedVersion, doubt)))
                .compose(committed -> {
                    if (ours.equals(committed)) {
                        Logs.correlated(events.get(0).correlationId(), () ->
                                LOG.info("Commit to {} at version {} ended in doubt ({}) but was applied", aggregateId,
                                        expectedVersion, why));
                        return Future.succeededFuture(new AppendResult.Appended(expectedVersion + events.size(),
                                List.copyOf(events)));
                    }
                    Logs.correlated(events.get(0).correlationId(), () ->
                            LOG.info("Commit to {} at version {} ended in doubt ({}) and was not applied", aggregateId,
                                    expectedVersion, why));
                    discardOutbox(aggregateId, events);
                    return head(aggregateId).compose(head -> head.aggregateType() != null
                            && !head.aggregateType().equals(aggregateType)
                            ? Future.failedFuture(new AggregateTypeMismatchException(aggregateId, aggregateType, head.aggregateType()))
                            : Future.succeededFuture(new AppendResult.Conflict(head.version())));
                });
    }

    /** The guard refused: nothing of ours is in event_store, so our outbox rows are void. */
    private Future<AppendResult> refused(String aggregateType, UUID aggregateId, Row current,
                                         List<? extends EventEnvelope<?>> events) {
        discardOutbox(aggregateId, events);
        long currentVersion = current == null || current.isNull("version") ? 0 : current.getLong("version");
        if (current != null && current.getColumnDefinitions().contains("aggregate_type")) {
            String actualType = current.getString("aggregate_type");
            if (actualType != null && !actualType.equals(aggregateType)) {
                return Future.failedFuture(new AggregateTypeMismatchException(aggregateId, aggregateType, actualType));
            }
        }
        return Future.succeededFuture(new AppendResult.Conflict(currentVersion));
    }

    /** Best effort: the relay would drop these intents after verification anyway (index rows it always does). */
    private void discardOutbox(UUID aggregateId, List<? extends EventEnvelope<?>> events) {
        if (config.dialect().outboxIntent() != Dialect.OutboxIntent.OUTBOX_ROW) {
            return;
        }
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
        for (EventEnvelope<?> event : events) {
            batch.addStatement(outboxCql.deleteOutboxMessage().bind()
                    .setUuid("aggregate_id", aggregateId)
                    .setLong("sequence_number", event.sequenceNumber())
                    .setUuid("event_id", event.eventId()));
        }
        Cql.future(vertx, session.executeAsync(batch.build()))
                .onFailure(e -> LOG.debug("Could not discard void outbox rows of {}: {}", aggregateId, e.toString()));
    }

    private Future<AppendResult> afterCommit(String aggregateType, UUID aggregateId, AppendResult.Appended appended) {
        EventEnvelope<?> last = appended.events().get(appended.events().size() - 1);
        return faults.at(FaultInjector.Point.AFTER_COMMIT, aggregateId)
                .compose(v -> Cql.future(vertx, session.executeAsync(cql.updateAggregateSequence().bind()
                                .setLong("sequence", appended.version())
                                .setString("aggregate_type", aggregateType)
                                .setInstant("updated_at", last.timestamp())
                                .setUuid("aggregate_id", aggregateId)))
                        // Derived data: the events are committed whatever happens to this write.
                        .<AppendResult>map(rows -> appended)
                        .recover(e -> {
                            Logs.correlated(last.correlationId(), () -> LOG.warn(
                                    "Committed aggregate {} v{} but could not update aggregate_sequence: {}",
                                    aggregateId, appended.version(), e.toString()));
                            return Future.succeededFuture(appended);
                        }));
    }

    /**
     * Failures after which the conditional batch may or may not have been applied: settled with a SERIAL
     * read. A WriteFailureException is one: ScyllaDB answers it when replicas fail in Paxos' accept phase,
     * and documents that the value may still have been committed.
     */
    private static boolean isUnknownOutcome(Throwable failure) {
        return failure instanceof WriteTimeoutException
                || failure instanceof WriteFailureException
                || failure instanceof CASWriteUnknownException
                || failure instanceof DriverTimeoutException
                || failure instanceof ClosedConnectionException;
    }

    // ---- reading ---------------------------------------------------------------------------

    /** Where a stream stands: its version (0 if it has no event) and its aggregate type (null then). */
    public record StreamHead(long version, String aggregateType) {
    }

    public Future<StreamHead> head(UUID aggregateId) {
        return Cql.future(vertx, session.executeAsync(cql.selectVersion().bind().setUuid("aggregate_id", aggregateId)))
                .map(EventStore::head);
    }

    private static StreamHead head(AsyncResultSet rows) {
        Row row = rows.one();
        return row == null || row.isNull("version")
                ? new StreamHead(0, null)
                : new StreamHead(row.getLong("version"), row.getString("aggregate_type"));
    }

    /**
     * The event id at {@code sequence}, read at SERIAL consistency so that a commit still in flight is
     * completed first: the answer is final. Null if nothing is committed there.
     */
    public Future<UUID> committedEventId(UUID aggregateId, long sequence) {
        return Cql.future(vertx, session.executeAsync(cql.selectEventId().bind()
                        .setUuid("aggregate_id", aggregateId)
                        .setLong("sequence_number", sequence)
                        .setConsistencyLevel(config.serialConsistency())))
                .map(rows -> {
                    Row row = rows.one();
                    return row == null ? null : row.getUuid("event_id");
                });
    }

    public Future<Long> currentVersion(UUID aggregateId) {
        return head(aggregateId).map(StreamHead::version);
    }

    public Future<Boolean> exists(UUID aggregateId) {
        return head(aggregateId).map(head -> head.version() > 0);
    }

    /** Every event of the aggregate, in order. */
    public Future<List<EventEnvelope<DomainEvent>>> load(UUID aggregateId) {
        return load(aggregateId, 1);
    }

    /** The events from {@code fromVersion} (inclusive) to the end, in order, read page by page. */
    public Future<List<EventEnvelope<DomainEvent>>> load(UUID aggregateId, long fromVersion) {
        return load(aggregateId, fromVersion, Long.MAX_VALUE);
    }

    /** The events with sequence numbers in [{@code fromVersion}, {@code toVersion}], in order. */
    public Future<List<EventEnvelope<DomainEvent>>> load(UUID aggregateId, long fromVersion, long toVersion) {
        List<EventEnvelope<DomainEvent>> events = new ArrayList<>();
        return forEach(aggregateId, fromVersion, toVersion, events::add).map(v -> events);
    }

    /**
     * Streams the events in [{@code fromVersion}, {@code toVersion}] in order, one page of the
     * driver at a time, so that a long stream is never one giant read. {@code visitor} returns false
     * to stop early.
     */
    public Future<Void> forEach(UUID aggregateId, long fromVersion, long toVersion,
                                Predicate<EventEnvelope<DomainEvent>> visitor) {
        if (fromVersion < 1 || toVersion < fromVersion) {
            return Future.succeededFuture();
        }
        return Cql.forEachRow(vertx, session.executeAsync(selectEvents(aggregateId, fromVersion, toVersion)),
                row -> visitor.test(envelope(aggregateId, row)));
    }

    /**
     * The rows in [{@code fromVersion}, {@code toVersion}] as the relay publishes them, in order: each
     * an envelope, or, for an event this build cannot read (an unknown type or version, a broken
     * payload), what the row says of it. The range should be bounded: it is read whole.
     */
    public Future<List<StoredEvent>> readForPublication(UUID aggregateId, long fromVersion, long toVersion) {
        List<StoredEvent> rows = new ArrayList<>();
        if (fromVersion < 1 || toVersion < fromVersion) {
            return Future.succeededFuture(rows);
        }
        return Cql.forEachRow(vertx, session.executeAsync(selectEvents(aggregateId, fromVersion, toVersion)), row -> {
            rows.add(stored(aggregateId, row));
            return true;
        }).map(v -> faults.read(FaultInjector.Point.RELAY_READ, aggregateId, rows));
    }

    private StoredEvent stored(UUID aggregateId, Row row) {
        try {
            return new StoredEvent.Readable(envelope(aggregateId, row));
        } catch (EventSerializationException e) {
            return new StoredEvent.Unreadable(aggregateId, row.getString("aggregate_type"), row.getLong("sequence_number"),
                    row.getUuid("event_id"), row.getString("event_type"), row.getInt("event_version"), e.getMessage());
        }
    }

    /**
     * Where the stream stands, read at SERIAL consistency: a commit still in flight is completed (or
     * failed) first, so the version answered is final up to this moment.
     */
    public Future<StreamHead> serialHead(UUID aggregateId) {
        return Cql.future(vertx, session.executeAsync(cql.selectVersion().bind().setUuid("aggregate_id", aggregateId)
                        .setConsistencyLevel(config.serialConsistency())))
                .map(EventStore::head);
    }

    /**
     * The version of the last event command {@code commandId} committed to the aggregate after
     * {@code afterVersion}, or null if it committed none: read after a SERIAL read of the head, so that a
     * commit of it still in flight is settled first (what is not there then never will be).
     */
    public Future<Long> findCommit(UUID aggregateId, long afterVersion, UUID commandId) {
        long[] last = {0};
        return serialHead(aggregateId).compose(head -> head.version() <= afterVersion ? Future.succeededFuture()
                : Cql.forEachRow(vertx, session.executeAsync(cql.selectCausations().bind()
                        .setUuid("aggregate_id", aggregateId).setLong("after", afterVersion).setPageSize(config.pageSize())),
                row -> {
                    boolean ours = commandId.equals(row.getUuid("causation_id"));
                    if (ours) {
                        last[0] = row.getLong("sequence_number");
                    }
                    return ours || last[0] == 0; // a command's events are contiguous: past them, stop
                })).map(v -> last[0] == 0 ? null : last[0]);
    }

    private BoundStatement selectEvents(UUID aggregateId, long fromVersion, long toVersion) {
        return cql.selectEvents().bind()
                .setUuid("aggregate_id", aggregateId)
                .setLong("first", fromVersion)
                .setLong("last", toVersion)
                .setPageSize(config.pageSize());
    }

    private EventEnvelope<DomainEvent> envelope(UUID aggregateId, Row row) {
        DomainEvent data = serializer.fromJson(row.getString("event_type"), row.getInt("event_version"),
                row.getString("event_data"));
        return new EventEnvelope<>(row.getUuid("event_id"), aggregateId, row.getString("aggregate_type"),
                row.getLong("sequence_number"), row.getString("event_type"), data.type().version(), data,
                row.getUuid("causation_id"), row.getUuid("correlation_id"), row.getUuid("user_id"),
                row.getInstant("timestamp"), row.getMap("metadata", String.class, String.class));
    }
}
