package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PagingState;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordo.domain.customer.CustomerState;
import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderState;
import io.ordo.domain.order.OrderStatus;
import io.ordo.es.Aggregate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The read side's tables: written by the projections with a write time that orders the writes by
 * aggregate version (see {@code schema/V2__read_models.cql}), read by the queries, paged with
 * opaque cursors (the driver's paging state, checked against the query it came from).
 */
public final class ReadModelStore {

    /** One order as the read model holds it; {@code itemsJson} is the items as the events carry them. */
    public record OrderSummary(UUID orderId, UUID customerId, String status, String itemsJson, int itemCount,
                               Long totalMinor, String currency, String trackingNumber, String carrier,
                               String deliverySignature, String cancelReason, UUID cancelledBy, long version,
                               Instant createdAt, Instant updatedAt) {
    }

    /** One order in a list. */
    public record OrderListing(UUID orderId, UUID customerId, String status, int itemCount, Long totalMinor,
                               String currency, long version, Instant createdAt, Instant updatedAt) {
    }

    /** A page of orders; {@code next} is the cursor of the next page, or null at the end. */
    public record OrderPage(List<OrderListing> orders, String next) {
    }

    public record CustomerSummary(UUID customerId, String email, String firstName, String lastName, String phone,
                                  String status, String deactivationReason, long version, Instant createdAt,
                                  Instant updatedAt, long orderCount) {
    }

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

    private final Vertx vertx;
    private final CqlSession session;
    private final Statements cql;
    private final ObjectMapper json;

    ReadModelStore(Vertx vertx, CqlSession session, Statements cql, ObjectMapper json) {
        this.vertx = vertx;
        this.session = session;
        this.cql = cql;
        this.json = json;
    }

    // ---- projection writes -----------------------------------------------------------------------

    /**
     * Writes the order's rows (its customer's list, its status list, its customer's orders, then its own
     * row) at {@code writeTime}. Its own row goes last: a reader that sees a version there (another
     * instance's read-your-writes) may count on the lists holding it too.
     *
     * @param delistFrom   the statuses whose lists the order leaves
     * @param joinCustomer whether to add the order to its customer's orders (idempotent: a set)
     */
    public Future<Void> writeOrder(Aggregate<OrderState> order, Set<OrderStatus> delistFrom, boolean joinCustomer,
                                   long writeTime) {
        OrderState state = order.state();
        Money total = state.total();
        Long totalMinor = total == null ? null : total.amountMinor();
        String currency = total == null ? null : total.currency();
        String items;
        try {
            items = json.writeValueAsString(state.items());
        } catch (JsonProcessingException e) {
            return Future.failedFuture(e);
        }
        List<Future<AsyncResultSet>> lists = new ArrayList<>();
        lists.add(run(cql.upsertOrderByCustomer().bind()
                .setLong("write_time", writeTime).setUuid("customer_id", state.customerId())
                .setInstant("created_at", order.createdAt()).setUuid("order_id", order.id())
                .setString("status", state.status().name()).setInt("item_count", state.itemCount())
                .set("total_minor", totalMinor, Long.class).setString("currency", currency)
                .setLong("version", order.version()).setInstant("updated_at", order.updatedAt())));
        lists.add(run(cql.upsertOrderByStatus().bind()
                .setLong("write_time", writeTime).setString("status", state.status().name())
                .setInstant("created_at", order.createdAt()).setUuid("order_id", order.id())
                .setUuid("customer_id", state.customerId()).setInt("item_count", state.itemCount())
                .set("total_minor", totalMinor, Long.class).setString("currency", currency)
                .setLong("version", order.version()).setInstant("updated_at", order.updatedAt())));
        for (OrderStatus status : delistFrom) {
            lists.add(run(cql.deleteOrderByStatus().bind()
                    .setLong("write_time", writeTime).setString("status", status.name())
                    .setInstant("created_at", order.createdAt()).setUuid("order_id", order.id())));
        }
        if (joinCustomer) {
            lists.add(run(cql.addCustomerOrder().bind().setLong("write_time", writeTime)
                    .setSet("order_ids", Set.of(order.id()), UUID.class).setUuid("customer_id", state.customerId())));
        }
        return Future.all(lists).compose(v -> run(cql.upsertOrderReadModel().bind()
                .setLong("write_time", writeTime).setUuid("order_id", order.id())
                .setUuid("customer_id", state.customerId()).setString("status", state.status().name())
                .setString("items", items).setInt("item_count", state.itemCount())
                .set("total_minor", totalMinor, Long.class).setString("currency", currency)
                .setString("tracking_number", state.trackingNumber()).setString("carrier", state.carrier())
                .setString("delivery_signature", state.deliverySignature())
                .setString("cancel_reason", state.cancelledReason()).setUuid("cancelled_by", state.cancelledBy())
                .setLong("version", order.version())
                .setInstant("created_at", order.createdAt()).setInstant("updated_at", order.updatedAt())))
                .mapEmpty();
    }

    public Future<Void> writeCustomer(Aggregate<CustomerState> customer, long writeTime) {
        CustomerState state = customer.state();
        return run(cql.upsertCustomerReadModel().bind()
                .setLong("write_time", writeTime).setUuid("customer_id", customer.id())
                .setString("email", state.email()).setString("first_name", state.firstName())
                .setString("last_name", state.lastName()).setString("phone", state.phone())
                .setString("status", state.status().name()).setString("deactivation_reason", state.deactivationReason())
                .setLong("version", customer.version())
                .setInstant("created_at", customer.createdAt()).setInstant("updated_at", customer.updatedAt()))
                .mapEmpty();
    }

    // ---- queries ---------------------------------------------------------------------------------

    /** The order's row, or null when the read model has none. */
    public Future<OrderSummary> orderSummary(UUID orderId) {
        return run(cql.selectOrderReadModel().bind().setUuid("order_id", orderId)).map(rows -> {
            Row row = rows.one();
            return row == null || row.isNull("version") ? null : new OrderSummary(row.getUuid("order_id"),
                    row.getUuid("customer_id"), row.getString("status"), row.getString("items"), row.getInt("item_count"),
                    row.get("total_minor", Long.class), row.getString("currency"), row.getString("tracking_number"),
                    row.getString("carrier"), row.getString("delivery_signature"), row.getString("cancel_reason"),
                    row.getUuid("cancelled_by"), row.getLong("version"), row.getInstant("created_at"),
                    row.getInstant("updated_at"));
        });
    }

    /** The customer's row, or null when the read model has none (an order count alone is not a customer). */
    public Future<CustomerSummary> customerSummary(UUID customerId) {
        return run(cql.selectCustomerReadModel().bind().setUuid("customer_id", customerId)).map(rows -> {
            Row row = rows.one();
            return row == null || row.isNull("version") ? null : new CustomerSummary(row.getUuid("customer_id"),
                    row.getString("email"), row.getString("first_name"), row.getString("last_name"),
                    row.getString("phone"), row.getString("status"), row.getString("deactivation_reason"),
                    row.getLong("version"), row.getInstant("created_at"), row.getInstant("updated_at"),
                    row.getSet("order_ids", UUID.class).size());
        });
    }

    /**
     * A page of orders: a customer's (newest first) when {@code customerId} is given, else those in
     * {@code status} (newest first), else all (in no particular order). Either filter may be null.
     *
     * @throws IllegalArgumentException when the cursor is not one this query gave
     */
    public Future<OrderPage> orders(UUID customerId, OrderStatus status, int limit, String cursor) {
        BoundStatement query;
        if (customerId != null) {
            query = status == null
                    ? cql.selectOrdersOfCustomer().bind().setUuid("customer_id", customerId)
                    : cql.selectOrdersOfCustomerInStatus().bind().setUuid("customer_id", customerId)
                    .setString("status", status.name());
        } else {
            query = status == null ? cql.selectOrders().bind()
                    : cql.selectOrdersInStatus().bind().setString("status", status.name());
        }
        query = query.setPageSize(limit);
        if (cursor != null) {
            try {
                query = query.setPagingState(PagingState.fromString(cursor), session);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("the cursor is not one this query returned");
            }
        }
        return run(query).map(rows -> {
            List<OrderListing> orders = new ArrayList<>();
            for (Row row : rows.currentPage()) {
                orders.add(new OrderListing(row.getUuid("order_id"), row.getUuid("customer_id"), row.getString("status"),
                        row.getInt("item_count"), row.get("total_minor", Long.class), row.getString("currency"),
                        row.getLong("version"), row.getInstant("created_at"), row.getInstant("updated_at")));
            }
            PagingState next = rows.hasMorePages() ? rows.getExecutionInfo().getSafePagingState() : null;
            return new OrderPage(orders, next == null ? null : next.toString());
        });
    }

    // ---- rebuilds and dead letters ---------------------------------------------------------------

    /** Hands every stream of the event store to {@code page}, one page at a time, each after the last completed. */
    public Future<Void> forEachStreamPage(int pageSize, Function<List<Stream>, Future<Void>> page) {
        return run(cql.selectStreams().bind().setPageSize(pageSize)).compose(rows -> streams(rows, page));
    }

    private Future<Void> streams(AsyncResultSet rows, Function<List<Stream>, Future<Void>> page) {
        List<Stream> streams = new ArrayList<>();
        for (Row row : rows.currentPage()) {
            if (!row.isNull("version")) { // a stream whose first append never committed holds no events
                streams.add(new Stream(row.getUuid("aggregate_id"), row.getString("aggregate_type"), row.getLong("version")));
            }
        }
        return page.apply(streams).compose(v -> rows.hasMorePages()
                ? Cql.future(vertx, rows.fetchNextPage()).compose(next -> streams(next, page))
                : Future.succeededFuture());
    }

    public Future<ProjectionStatus> projectionStatus(String projection) {
        return run(cql.selectProjectionStatus().bind().setString("projection", projection)).map(rows -> {
            Row row = rows.one();
            return row == null ? ProjectionStatus.never(projection) : new ProjectionStatus(projection,
                    row.isNull("epoch") ? 0 : row.getLong("epoch"), row.getString("state"),
                    row.isNull("aggregates") ? 0 : row.getLong("aggregates"), row.isNull("events") ? 0 : row.getLong("events"),
                    row.getInstant("started_at"), row.getInstant("finished_at"), row.getString("error"));
        });
    }

    /** Claims the next epoch for a rebuild; false when another rebuild claimed it first. */
    public Future<Boolean> startRebuild(String projection, long currentEpoch, long nextEpoch, Instant now) {
        return run(cql.startRebuild().bind().setString("projection", projection).setLong("epoch", nextEpoch)
                .setInstant("started_at", now).set("expected_epoch", currentEpoch == 0 ? null : currentEpoch, Long.class))
                .map(AsyncResultSet::wasApplied);
    }

    public Future<Void> recordRebuild(String projection, String state, long aggregates, long events, Instant finishedAt,
                                      String error) {
        return run(cql.updateRebuildProgress().bind().setString("projection", projection).setString("state", state)
                .setLong("aggregates", aggregates).setLong("events", events).setInstant("finished_at", finishedAt)
                .setString("error", error)).mapEmpty();
    }

    public Future<Void> park(String projection, ParkedEvent event) {
        return run(cql.insertProjectionDeadLetter().bind().setString("projection", projection)
                .setUuid("aggregate_id", event.aggregateId()).setLong("sequence_number", event.sequenceNumber())
                .setUuid("event_id", event.eventId()).setString("event_type", event.eventType())
                .setString("error", event.error()).setInt("attempts", event.attempts())
                .setInstant("created_at", event.createdAt())).mapEmpty();
    }

    public Future<List<ParkedEvent>> parked(String projection) {
        return run(cql.selectProjectionDeadLetters().bind().setString("projection", projection)).map(rows -> {
            List<ParkedEvent> parked = new ArrayList<>();
            for (Row row : rows.currentPage()) { // one page: an operator's list, kept short by retries
                parked.add(new ParkedEvent(row.getUuid("aggregate_id"), row.getLong("sequence_number"),
                        row.getUuid("event_id"), row.getString("event_type"), row.getString("error"),
                        row.getInt("attempts"), row.getInstant("created_at")));
            }
            return parked;
        });
    }

    /** Whether the aggregate still waits behind a dead letter of {@code projection}. */
    public Future<Boolean> isParked(String projection, UUID aggregateId) {
        return run(cql.selectProjectionDeadLetter().bind().setString("projection", projection)
                .setUuid("aggregate_id", aggregateId)).map(rows -> rows.one() != null);
    }

    public Future<Void> unpark(String projection, UUID aggregateId) {
        return run(cql.deleteProjectionDeadLetter().bind().setString("projection", projection)
                .setUuid("aggregate_id", aggregateId)).mapEmpty();
    }

    private Future<AsyncResultSet> run(BoundStatement statement) {
        return Cql.future(vertx, session.executeAsync(statement));
    }
}
