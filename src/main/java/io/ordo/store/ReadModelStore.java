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
import java.util.function.Supplier;

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

    /**
     * An order's row as a rebuild's sweep sees it: its keys, its version and its write time (the highest
     * of its cells' the sweep reads: a tombstone at it removes every cell a projection wrote with them).
     */
    public record OrderRow(UUID orderId, UUID customerId, String status, Instant createdAt, long version,
                           long writeTime) {
    }

    /** A row of {@code orders_by_customer} (no {@code status}) or of {@code orders_by_status} (no {@code customerId}). */
    public record ListedOrder(UUID orderId, UUID customerId, String status, Instant createdAt, long writeTime) {
    }

    /** A row of {@code customer_read_model}: {@code version} null when it holds only orders (no customer written). */
    public record CustomerRow(UUID customerId, Long version, long writeTime, Set<UUID> orderIds) {
    }

    /** How a caller runs a step of a scan (a page read) again after a failure: a rebuild's backoff. */
    public interface Retry {
        <T> Future<T> run(String what, Supplier<Future<T>> step);
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
            lists.add(deleteOrderByStatus(status.name(), order.createdAt(), order.id(), writeTime));
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
    public Future<Void> forEachStreamPage(int pageSize, Retry retry, Function<List<Stream>, Future<Void>> page) {
        // a stream whose first append never committed holds no events: no version
        return pages(cql.selectStreams().bind(), pageSize, retry, "reading the event store's streams",
                row -> row.isNull("version") ? null : new Stream(row.getUuid("aggregate_id"),
                        row.getString("aggregate_type"), row.getLong("version")), page);
    }

    /** Hands every row of {@code order_read_model} with a version to {@code page}, a page at a time. */
    public Future<Void> forEachOrderRowPage(int pageSize, Retry retry, Function<List<OrderRow>, Future<Void>> page) {
        return pages(cql.selectOrderRows().bind(), pageSize, retry, "reading order_read_model", ReadModelStore::orderRow, page);
    }

    /** Hands every row of {@code orders_by_customer} to {@code page}, a page at a time. */
    public Future<Void> forEachOrderByCustomerPage(int pageSize, Retry retry, Function<List<ListedOrder>, Future<Void>> page) {
        return pages(cql.selectOrdersByCustomerRows().bind(), pageSize, retry, "reading orders_by_customer",
                row -> new ListedOrder(row.getUuid("order_id"), row.getUuid("customer_id"), null,
                        row.getInstant("created_at"), writeTimeOf(row, "version_time", "cell_time")), page);
    }

    /** Hands every row of {@code orders_by_status} to {@code page}, a page at a time. */
    public Future<Void> forEachOrderByStatusPage(int pageSize, Retry retry, Function<List<ListedOrder>, Future<Void>> page) {
        return pages(cql.selectOrdersByStatusRows().bind(), pageSize, retry, "reading orders_by_status",
                row -> new ListedOrder(row.getUuid("order_id"), null, row.getString("status"),
                        row.getInstant("created_at"), writeTimeOf(row, "version_time", "cell_time")), page);
    }

    /** Hands every row of {@code customer_read_model} to {@code page}, a page at a time. */
    public Future<Void> forEachCustomerRowPage(int pageSize, Retry retry, Function<List<CustomerRow>, Future<Void>> page) {
        return pages(cql.selectCustomerRows().bind(), pageSize, retry, "reading customer_read_model",
                row -> new CustomerRow(row.getUuid("customer_id"), row.get("version", Long.class),
                        writeTimeOf(row, "version_time", "email_time", "status_time"), row.getSet("order_ids", UUID.class)),
                page);
    }

    /** The order's row as a sweep compares with it, or null when there is none with a version. */
    public Future<OrderRow> orderRow(UUID orderId) {
        return run(cql.selectOrderRow().bind().setUuid("order_id", orderId)).map(rows -> {
            Row row = rows.one();
            return row == null ? null : orderRow(row);
        });
    }

    /** Deletes an order's row, its rows in both lists and its place among its customer's orders, at {@code writeTime}; answers how many. */
    public Future<Integer> deleteOrder(OrderRow order, long writeTime) {
        List<Future<AsyncResultSet>> deletes = new ArrayList<>();
        deletes.add(run(cql.deleteOrderReadModel().bind().setLong("write_time", writeTime).setUuid("order_id", order.orderId())));
        if (order.customerId() != null && order.createdAt() != null) {
            deletes.add(deleteOrderByCustomer(order.customerId(), order.createdAt(), order.orderId(), writeTime));
        }
        if (order.status() != null && order.createdAt() != null) {
            deletes.add(deleteOrderByStatus(order.status(), order.createdAt(), order.orderId(), writeTime));
        }
        if (order.customerId() != null) {
            deletes.add(run(removeCustomerOrderStatement(order.customerId(), order.orderId(), writeTime)));
        }
        return Future.all(deletes).map(done -> deletes.size());
    }

    public Future<Void> deleteListedOrder(ListedOrder listed, long writeTime) {
        return (listed.customerId() != null
                ? deleteOrderByCustomer(listed.customerId(), listed.createdAt(), listed.orderId(), writeTime)
                : deleteOrderByStatus(listed.status(), listed.createdAt(), listed.orderId(), writeTime)).mapEmpty();
    }

    /** Takes the order out of the customer's orders at {@code writeTime}. */
    public Future<Void> removeCustomerOrder(UUID customerId, UUID orderId, long writeTime) {
        return run(removeCustomerOrderStatement(customerId, orderId, writeTime)).mapEmpty();
    }

    /** Deletes what the customers projection writes of a customer (not its orders, the orders projection's). */
    public Future<Void> deleteCustomerDetails(UUID customerId, long writeTime) {
        return run(cql.deleteCustomerDetails().bind().setLong("write_time", writeTime).setUuid("customer_id", customerId))
                .mapEmpty();
    }

    private Future<AsyncResultSet> deleteOrderByCustomer(UUID customerId, Instant createdAt, UUID orderId, long writeTime) {
        return run(cql.deleteOrderByCustomer().bind().setLong("write_time", writeTime).setUuid("customer_id", customerId)
                .setInstant("created_at", createdAt).setUuid("order_id", orderId));
    }

    private Future<AsyncResultSet> deleteOrderByStatus(String status, Instant createdAt, UUID orderId, long writeTime) {
        return run(cql.deleteOrderByStatus().bind().setLong("write_time", writeTime).setString("status", status)
                .setInstant("created_at", createdAt).setUuid("order_id", orderId));
    }

    private BoundStatement removeCustomerOrderStatement(UUID customerId, UUID orderId, long writeTime) {
        return cql.removeCustomerOrder().bind().setLong("write_time", writeTime)
                .setSet("order_ids", Set.of(orderId), UUID.class).setUuid("customer_id", customerId);
    }

    private static OrderRow orderRow(Row row) {
        // A row without a version is no order to the queries; its stray cells are left to a live write.
        return row.isNull("version") ? null : new OrderRow(row.getUuid("order_id"), row.getUuid("customer_id"),
                row.getString("status"), row.getInstant("created_at"), row.getLong("version"),
                writeTimeOf(row, "version_time", "customer_time", "status_time"));
    }

    /** The highest of the cells' write times (0 if none has one). */
    private static long writeTimeOf(Row row, String... columns) {
        long max = 0;
        for (String column : columns) {
            if (!row.isNull(column)) {
                max = Math.max(max, row.getLong(column));
            }
        }
        return max;
    }

    /**
     * Hands the rows of {@code scan} (read by {@code read}, null ones skipped) to {@code page}, one page at
     * a time, each after the last completed; each page read is retried as {@code retry} says.
     */
    private <T> Future<Void> pages(BoundStatement scan, int pageSize, Retry retry, String what, Function<Row, T> read,
                                   Function<List<T>, Future<Void>> page) {
        BoundStatement paged = scan.setPageSize(pageSize);
        return retry.run(what, () -> run(paged)).compose(rows -> pagesFrom(rows, retry, what, read, page));
    }

    private <T> Future<Void> pagesFrom(AsyncResultSet rows, Retry retry, String what, Function<Row, T> read,
                                       Function<List<T>, Future<Void>> page) {
        List<T> items = new ArrayList<>();
        for (Row row : rows.currentPage()) {
            T item = read.apply(row);
            if (item != null) {
                items.add(item);
            }
        }
        // fetchNextPage sends a new request each call, so a failed one can be asked again
        return page.apply(items).compose(v -> rows.hasMorePages()
                ? retry.run(what, () -> Cql.future(vertx, rows.fetchNextPage()))
                .compose(next -> pagesFrom(next, retry, what, read, page))
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

    /** Records the progress or the end of the rebuild of {@code epoch}; false when a newer rebuild claimed the projection. */
    public Future<Boolean> recordRebuild(String projection, long epoch, String state, long aggregates, long events,
                                         Instant finishedAt, String error) {
        return run(cql.updateRebuildProgress().bind().setString("projection", projection).setString("state", state)
                .setLong("aggregates", aggregates).setLong("events", events).setInstant("finished_at", finishedAt)
                .setString("error", error).setLong("epoch", epoch)).map(AsyncResultSet::wasApplied);
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
