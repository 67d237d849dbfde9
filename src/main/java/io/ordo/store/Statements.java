package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Every CQL statement the store runs, prepared once at start-up and named after what it does.
 * The DDL lives in {@code schema/}.
 */
public final class Statements {

    // event_store: the conditional batch is one guard plus one insert per event, all in one partition.
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

    // aggregate_sequence: the write time is the sequence number, so a late write never moves it back.
    static final String UPDATE_AGGREGATE_SEQUENCE = """
            UPDATE %s.aggregate_sequence USING TIMESTAMP :sequence
            SET aggregate_type = :aggregate_type, current_sequence = :sequence, updated_at = :updated_at
            WHERE aggregate_id = :aggregate_id""";

    // the relay's watermark: written with the sequence as its write time, so it only moves forward
    static final String SELECT_PUBLISHED_SEQUENCE = """
            SELECT published_sequence FROM %s.aggregate_sequence WHERE aggregate_id = :aggregate_id""";
    static final String UPDATE_PUBLISHED_SEQUENCE = """
            UPDATE %s.aggregate_sequence USING TIMESTAMP :sequence SET published_sequence = :sequence
            WHERE aggregate_id = :aggregate_id""";

    // outbox
    static final String INSERT_OUTBOX_MESSAGE = """
            INSERT INTO %s.outbox_messages (aggregate_id, sequence_number, event_id, id, aggregate_type,
                event_type, event_version, payload, topic, partition_key, causation_id, correlation_id,
                created_at, attempts)
            VALUES (:aggregate_id, :sequence_number, :event_id, :id, :aggregate_type,
                :event_type, :event_version, :payload, :topic, :partition_key, :causation_id, :correlation_id,
                :created_at, 0)""";
    static final String INSERT_OUTBOX_INDEX = """
            INSERT INTO %s.outbox_by_minute (minute, written_at, aggregate_id, sequence_number, event_id)
            VALUES (:minute, :written_at, :aggregate_id, :sequence_number, :event_id)""";
    static final String DELETE_OUTBOX_MESSAGE = """
            DELETE FROM %s.outbox_messages
            WHERE aggregate_id = :aggregate_id AND sequence_number = :sequence_number AND event_id = :event_id""";

    static final String SELECT_OUTBOX_INDEX = """
            SELECT written_at, aggregate_id, sequence_number, event_id FROM %s.outbox_by_minute
            WHERE minute = :minute AND written_at > :after AND written_at <= :until LIMIT :max_rows""";

    // dead letters: events that can never be published, with their aggregate's later events parked behind them
    static final String INSERT_DEAD_LETTER = """
            INSERT INTO %s.dead_letter_events (aggregate_id, sequence_number, event_id, aggregate_type, event_type, topic,
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

    // checkpoints of the outbox sources
    static final String SELECT_CHECKPOINT = """
            SELECT position FROM %s.cdc_checkpoints WHERE source = :source AND task_id = :task_id""";
    static final String UPSERT_CHECKPOINT = """
            INSERT INTO %s.cdc_checkpoints (source, task_id, position, updated_at)
            VALUES (:source, :task_id, :position, :updated_at)""";

    // snapshots
    static final String INSERT_SNAPSHOT = """
            INSERT INTO %s.snapshots (aggregate_id, version, aggregate_type, schema_version, state, event_time, created_at)
            VALUES (:aggregate_id, :version, :aggregate_type, :schema_version, :state, :event_time, :created_at)""";
    static final String SELECT_SNAPSHOT_AT_OR_BEFORE = """
            SELECT version, aggregate_type, schema_version, state, event_time FROM %s.snapshots
            WHERE aggregate_id = :aggregate_id AND version <= :version LIMIT 1""";
    static final String SELECT_SNAPSHOT_TIMES = """
            SELECT version, event_time FROM %s.snapshots WHERE aggregate_id = :aggregate_id""";

    // processed_commands
    static final String SELECT_PROCESSED_COMMAND = """
            SELECT aggregate_id, command_type, request_hash, response FROM %s.processed_commands
            WHERE idempotency_key = :idempotency_key""";
    static final String INSERT_PROCESSED_COMMAND = """
            INSERT INTO %s.processed_commands (idempotency_key, aggregate_id, command_type, request_hash, response, created_at)
            VALUES (:idempotency_key, :aggregate_id, :command_type, :request_hash, :response, :created_at)""";

    // customer_emails
    static final String RESERVE_EMAIL = """
            INSERT INTO %s.customer_emails (email, customer_id, reserved_at)
            VALUES (:email, :customer_id, :reserved_at) IF NOT EXISTS""";
    static final String RELEASE_EMAIL = """
            DELETE FROM %s.customer_emails WHERE email = :email IF customer_id = :customer_id""";


    // read models: every write carries the projection's write time (see schema/V2__read_models.cql)
    static final String UPSERT_ORDER_READ_MODEL = """
            UPDATE %s.order_read_model USING TIMESTAMP :write_time
            SET customer_id = :customer_id, status = :status, items = :items, item_count = :item_count,
                total_minor = :total_minor, currency = :currency, tracking_number = :tracking_number,
                carrier = :carrier, delivery_signature = :delivery_signature, cancel_reason = :cancel_reason,
                cancelled_by = :cancelled_by, version = :version, created_at = :created_at, updated_at = :updated_at
            WHERE order_id = :order_id""";
    static final String UPSERT_ORDER_BY_CUSTOMER = """
            UPDATE %s.orders_by_customer USING TIMESTAMP :write_time
            SET status = :status, item_count = :item_count, total_minor = :total_minor, currency = :currency,
                version = :version, updated_at = :updated_at
            WHERE customer_id = :customer_id AND created_at = :created_at AND order_id = :order_id""";
    static final String UPSERT_ORDER_BY_STATUS = """
            UPDATE %s.orders_by_status USING TIMESTAMP :write_time
            SET customer_id = :customer_id, item_count = :item_count, total_minor = :total_minor, currency = :currency,
                version = :version, updated_at = :updated_at
            WHERE status = :status AND created_at = :created_at AND order_id = :order_id""";
    static final String DELETE_ORDER_BY_STATUS = """
            DELETE FROM %s.orders_by_status USING TIMESTAMP :write_time
            WHERE status = :status AND created_at = :created_at AND order_id = :order_id""";
    static final String ADD_CUSTOMER_ORDER = """
            UPDATE %s.customer_read_model USING TIMESTAMP :write_time SET order_ids = order_ids + :order_ids
            WHERE customer_id = :customer_id""";
    static final String UPSERT_CUSTOMER_READ_MODEL = """
            UPDATE %s.customer_read_model USING TIMESTAMP :write_time
            SET email = :email, first_name = :first_name, last_name = :last_name, phone = :phone, status = :status,
                deactivation_reason = :deactivation_reason, version = :version, created_at = :created_at,
                updated_at = :updated_at
            WHERE customer_id = :customer_id""";
    static final String SELECT_ORDER_READ_MODEL = """
            SELECT order_id, customer_id, status, items, item_count, total_minor, currency, tracking_number, carrier,
                delivery_signature, cancel_reason, cancelled_by, version, created_at, updated_at
            FROM %s.order_read_model WHERE order_id = :order_id""";
    static final String SELECT_ORDERS = """
            SELECT order_id, customer_id, status, item_count, total_minor, currency, version, created_at, updated_at
            FROM %s.order_read_model""";
    static final String SELECT_ORDERS_OF_CUSTOMER = """
            SELECT order_id, customer_id, status, item_count, total_minor, currency, version, created_at, updated_at
            FROM %s.orders_by_customer WHERE customer_id = :customer_id""";
    // Filtering within one customer's partition: bounded by that customer's orders.
    static final String SELECT_ORDERS_OF_CUSTOMER_IN_STATUS = """
            SELECT order_id, customer_id, status, item_count, total_minor, currency, version, created_at, updated_at
            FROM %s.orders_by_customer WHERE customer_id = :customer_id AND status = :status ALLOW FILTERING""";
    static final String SELECT_ORDERS_IN_STATUS = """
            SELECT order_id, customer_id, status, item_count, total_minor, currency, version, created_at, updated_at
            FROM %s.orders_by_status WHERE status = :status""";
    static final String SELECT_CUSTOMER_READ_MODEL = """
            SELECT customer_id, email, first_name, last_name, phone, status, deactivation_reason, version, created_at,
                updated_at, order_ids
            FROM %s.customer_read_model WHERE customer_id = :customer_id""";

    // a rebuild's sweep: full scans of the read models (paged), the point read it compares a listed order
    // with, and deletes at the write time the sweep chose (see ReadModelStore's sweep methods)
    static final String SELECT_ORDER_ROWS = """
            SELECT order_id, customer_id, status, created_at, version, WRITETIME(version) AS version_time,
                WRITETIME(customer_id) AS customer_time, WRITETIME(status) AS status_time
            FROM %s.order_read_model""";
    static final String SELECT_ORDER_ROW = """
            SELECT order_id, customer_id, status, created_at, version, WRITETIME(version) AS version_time,
                WRITETIME(customer_id) AS customer_time, WRITETIME(status) AS status_time
            FROM %s.order_read_model WHERE order_id = :order_id""";
    static final String SELECT_ORDERS_BY_CUSTOMER_ROWS = """
            SELECT customer_id, created_at, order_id, WRITETIME(version) AS version_time,
                WRITETIME(status) AS cell_time
            FROM %s.orders_by_customer""";
    static final String SELECT_ORDERS_BY_STATUS_ROWS = """
            SELECT status, created_at, order_id, WRITETIME(version) AS version_time,
                WRITETIME(customer_id) AS cell_time
            FROM %s.orders_by_status""";
    static final String SELECT_CUSTOMER_ROWS = """
            SELECT customer_id, version, WRITETIME(version) AS version_time, WRITETIME(email) AS email_time,
                WRITETIME(status) AS status_time, order_ids
            FROM %s.customer_read_model""";
    static final String DELETE_ORDER_READ_MODEL = """
            DELETE FROM %s.order_read_model USING TIMESTAMP :write_time WHERE order_id = :order_id""";
    static final String DELETE_ORDER_BY_CUSTOMER = """
            DELETE FROM %s.orders_by_customer USING TIMESTAMP :write_time
            WHERE customer_id = :customer_id AND created_at = :created_at AND order_id = :order_id""";
    static final String REMOVE_CUSTOMER_ORDER = """
            UPDATE %s.customer_read_model USING TIMESTAMP :write_time SET order_ids = order_ids - :order_ids
            WHERE customer_id = :customer_id""";
    // The customers projection's columns only: order_ids belongs to the orders projection.
    static final String DELETE_CUSTOMER_DETAILS = """
            DELETE email, first_name, last_name, phone, status, deactivation_reason, version, created_at, updated_at
            FROM %s.customer_read_model USING TIMESTAMP :write_time WHERE customer_id = :customer_id""";

    // every stream of the event store, for rebuilding projections from it
    static final String SELECT_STREAMS = """
            SELECT DISTINCT aggregate_id, aggregate_type, version FROM %s.event_store""";

    // projections' rebuild epochs and progress, and the events they could not apply
    static final String SELECT_PROJECTION_STATUS = """
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
    static final String INSERT_PROJECTION_DEAD_LETTER = """
            INSERT INTO %s.projection_dead_letters (projection, aggregate_id, sequence_number, event_id, event_type, error,
                attempts, created_at)
            VALUES (:projection, :aggregate_id, :sequence_number, :event_id, :event_type, :error, :attempts, :created_at)""";
    static final String SELECT_PROJECTION_DEAD_LETTERS = """
            SELECT aggregate_id, sequence_number, event_id, event_type, error, attempts, created_at
            FROM %s.projection_dead_letters WHERE projection = :projection""";
    static final String SELECT_PROJECTION_DEAD_LETTER = """
            SELECT sequence_number FROM %s.projection_dead_letters WHERE projection = :projection AND aggregate_id = :aggregate_id""";
    static final String DELETE_PROJECTION_DEAD_LETTER = """
            DELETE FROM %s.projection_dead_letters WHERE projection = :projection AND aggregate_id = :aggregate_id""";

    private static final List<String> ALL = List.of(
            GUARD_NEW_AGGREGATE, GUARD_EXPECTED_VERSION, INSERT_EVENT, SELECT_EVENTS, SELECT_EVENT_ID, SELECT_VERSION,
            UPDATE_AGGREGATE_SEQUENCE, INSERT_OUTBOX_MESSAGE, INSERT_OUTBOX_INDEX,
            DELETE_OUTBOX_MESSAGE, INSERT_SNAPSHOT, SELECT_SNAPSHOT_AT_OR_BEFORE, SELECT_SNAPSHOT_TIMES,
            SELECT_PROCESSED_COMMAND, INSERT_PROCESSED_COMMAND, RESERVE_EMAIL, RELEASE_EMAIL,
            SELECT_PUBLISHED_SEQUENCE, UPDATE_PUBLISHED_SEQUENCE, SELECT_OUTBOX_INDEX,
            SELECT_CHECKPOINT, UPSERT_CHECKPOINT, INSERT_DEAD_LETTER, SELECT_DEAD_LETTERS_OF, SELECT_DEAD_LETTERS,
            DELETE_DEAD_LETTERS_OF, UPSERT_ORDER_READ_MODEL, UPSERT_ORDER_BY_CUSTOMER, UPSERT_ORDER_BY_STATUS,
            DELETE_ORDER_BY_STATUS, ADD_CUSTOMER_ORDER, UPSERT_CUSTOMER_READ_MODEL,
            SELECT_ORDER_READ_MODEL, SELECT_ORDERS, SELECT_ORDERS_OF_CUSTOMER, SELECT_ORDERS_OF_CUSTOMER_IN_STATUS,
            SELECT_ORDERS_IN_STATUS, SELECT_CUSTOMER_READ_MODEL, SELECT_ORDER_ROWS, SELECT_ORDER_ROW,
            SELECT_ORDERS_BY_CUSTOMER_ROWS, SELECT_ORDERS_BY_STATUS_ROWS, SELECT_CUSTOMER_ROWS, DELETE_ORDER_READ_MODEL,
            DELETE_ORDER_BY_CUSTOMER, REMOVE_CUSTOMER_ORDER, DELETE_CUSTOMER_DETAILS, SELECT_STREAMS, SELECT_PROJECTION_STATUS, START_REBUILD,
            UPDATE_REBUILD_PROGRESS, INSERT_PROJECTION_DEAD_LETTER, SELECT_PROJECTION_DEAD_LETTERS,
            DELETE_PROJECTION_DEAD_LETTER, SELECT_PROJECTION_DEAD_LETTER);

    private final Map<String, PreparedStatement> prepared;

    private Statements(Map<String, PreparedStatement> prepared) {
        this.prepared = Map.copyOf(prepared);
    }

    public PreparedStatement guardNewAggregate() {
        return prepared.get(GUARD_NEW_AGGREGATE);
    }

    public PreparedStatement guardExpectedVersion() {
        return prepared.get(GUARD_EXPECTED_VERSION);
    }

    public PreparedStatement insertEvent() {
        return prepared.get(INSERT_EVENT);
    }

    public PreparedStatement selectEvents() {
        return prepared.get(SELECT_EVENTS);
    }

    public PreparedStatement selectEventId() {
        return prepared.get(SELECT_EVENT_ID);
    }

    public PreparedStatement selectVersion() {
        return prepared.get(SELECT_VERSION);
    }

    public PreparedStatement updateAggregateSequence() {
        return prepared.get(UPDATE_AGGREGATE_SEQUENCE);
    }

    public PreparedStatement insertOutboxMessage() {
        return prepared.get(INSERT_OUTBOX_MESSAGE);
    }

    public PreparedStatement insertOutboxIndex() {
        return prepared.get(INSERT_OUTBOX_INDEX);
    }

    public PreparedStatement deleteOutboxMessage() {
        return prepared.get(DELETE_OUTBOX_MESSAGE);
    }

    public PreparedStatement insertSnapshot() {
        return prepared.get(INSERT_SNAPSHOT);
    }

    public PreparedStatement selectSnapshotAtOrBefore() {
        return prepared.get(SELECT_SNAPSHOT_AT_OR_BEFORE);
    }

    public PreparedStatement selectSnapshotTimes() {
        return prepared.get(SELECT_SNAPSHOT_TIMES);
    }

    public PreparedStatement selectProcessedCommand() {
        return prepared.get(SELECT_PROCESSED_COMMAND);
    }

    public PreparedStatement insertProcessedCommand() {
        return prepared.get(INSERT_PROCESSED_COMMAND);
    }

    public PreparedStatement selectPublishedSequence() {
        return prepared.get(SELECT_PUBLISHED_SEQUENCE);
    }

    public PreparedStatement updatePublishedSequence() {
        return prepared.get(UPDATE_PUBLISHED_SEQUENCE);
    }

    public PreparedStatement selectOutboxIndex() {
        return prepared.get(SELECT_OUTBOX_INDEX);
    }

    public PreparedStatement insertDeadLetter() {
        return prepared.get(INSERT_DEAD_LETTER);
    }

    public PreparedStatement selectDeadLettersOf() {
        return prepared.get(SELECT_DEAD_LETTERS_OF);
    }

    public PreparedStatement selectDeadLetters() {
        return prepared.get(SELECT_DEAD_LETTERS);
    }

    public PreparedStatement deleteDeadLettersOf() {
        return prepared.get(DELETE_DEAD_LETTERS_OF);
    }

    public PreparedStatement selectCheckpoint() {
        return prepared.get(SELECT_CHECKPOINT);
    }

    public PreparedStatement upsertCheckpoint() {
        return prepared.get(UPSERT_CHECKPOINT);
    }

    public PreparedStatement reserveEmail() {
        return prepared.get(RESERVE_EMAIL);
    }

    public PreparedStatement releaseEmail() {
        return prepared.get(RELEASE_EMAIL);
    }

    public PreparedStatement upsertOrderReadModel() {
        return prepared.get(UPSERT_ORDER_READ_MODEL);
    }

    public PreparedStatement upsertOrderByCustomer() {
        return prepared.get(UPSERT_ORDER_BY_CUSTOMER);
    }

    public PreparedStatement upsertOrderByStatus() {
        return prepared.get(UPSERT_ORDER_BY_STATUS);
    }

    public PreparedStatement deleteOrderByStatus() {
        return prepared.get(DELETE_ORDER_BY_STATUS);
    }

    public PreparedStatement addCustomerOrder() {
        return prepared.get(ADD_CUSTOMER_ORDER);
    }

    public PreparedStatement upsertCustomerReadModel() {
        return prepared.get(UPSERT_CUSTOMER_READ_MODEL);
    }

    public PreparedStatement selectOrderReadModel() {
        return prepared.get(SELECT_ORDER_READ_MODEL);
    }

    public PreparedStatement selectOrders() {
        return prepared.get(SELECT_ORDERS);
    }

    public PreparedStatement selectOrdersOfCustomer() {
        return prepared.get(SELECT_ORDERS_OF_CUSTOMER);
    }

    public PreparedStatement selectOrdersOfCustomerInStatus() {
        return prepared.get(SELECT_ORDERS_OF_CUSTOMER_IN_STATUS);
    }

    public PreparedStatement selectOrdersInStatus() {
        return prepared.get(SELECT_ORDERS_IN_STATUS);
    }

    public PreparedStatement selectCustomerReadModel() {
        return prepared.get(SELECT_CUSTOMER_READ_MODEL);
    }

    public PreparedStatement selectOrderRows() {
        return prepared.get(SELECT_ORDER_ROWS);
    }

    public PreparedStatement selectOrderRow() {
        return prepared.get(SELECT_ORDER_ROW);
    }

    public PreparedStatement selectOrdersByCustomerRows() {
        return prepared.get(SELECT_ORDERS_BY_CUSTOMER_ROWS);
    }

    public PreparedStatement selectOrdersByStatusRows() {
        return prepared.get(SELECT_ORDERS_BY_STATUS_ROWS);
    }

    public PreparedStatement selectCustomerRows() {
        return prepared.get(SELECT_CUSTOMER_ROWS);
    }

    public PreparedStatement deleteOrderReadModel() {
        return prepared.get(DELETE_ORDER_READ_MODEL);
    }

    public PreparedStatement deleteOrderByCustomer() {
        return prepared.get(DELETE_ORDER_BY_CUSTOMER);
    }

    public PreparedStatement removeCustomerOrder() {
        return prepared.get(REMOVE_CUSTOMER_ORDER);
    }

    public PreparedStatement deleteCustomerDetails() {
        return prepared.get(DELETE_CUSTOMER_DETAILS);
    }

    public PreparedStatement selectStreams() {
        return prepared.get(SELECT_STREAMS);
    }

    public PreparedStatement selectProjectionStatus() {
        return prepared.get(SELECT_PROJECTION_STATUS);
    }

    public PreparedStatement startRebuild() {
        return prepared.get(START_REBUILD);
    }

    public PreparedStatement updateRebuildProgress() {
        return prepared.get(UPDATE_REBUILD_PROGRESS);
    }

    public PreparedStatement insertProjectionDeadLetter() {
        return prepared.get(INSERT_PROJECTION_DEAD_LETTER);
    }

    public PreparedStatement selectProjectionDeadLetters() {
        return prepared.get(SELECT_PROJECTION_DEAD_LETTERS);
    }

    public PreparedStatement selectProjectionDeadLetter() {
        return prepared.get(SELECT_PROJECTION_DEAD_LETTER);
    }

    public PreparedStatement deleteProjectionDeadLetter() {
        return prepared.get(DELETE_PROJECTION_DEAD_LETTER);
    }

    /** Prepares every statement against {@code keyspace}, in parallel. */
    public static Future<Statements> prepare(Vertx vertx, CqlSession session, String keyspace) {
        List<Future<PreparedStatement>> futures = new ArrayList<>(ALL.size());
        for (String text : ALL) {
            CompletionStage<PreparedStatement> stage = session.prepareAsync(text.formatted(keyspace));
            futures.add(Cql.future(vertx, stage));
        }
        return Future.all(futures).map(all -> {
            Map<String, PreparedStatement> byText = new HashMap<>();
            for (int i = 0; i < ALL.size(); i++) {
                byText.put(ALL.get(i), all.resultAt(i));
            }
            return new Statements(byText);
        });
    }
}
