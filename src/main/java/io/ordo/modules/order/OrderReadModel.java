package io.ordo.modules.order;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderState;
import io.ordo.domain.order.OrderStatus;
import io.ordo.es.Aggregate;
import io.ordo.store.ReadModelSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The orders' read tables ({@code schema/modules/order/}): written by {@link OrderProjection} with a
 * write time that orders the writes by aggregate version, read by the order routes' queries, swept by
 * a rebuild. Every statement of these tables is here, prepared once at start.
 */
final class OrderReadModel {

    // every write carries the projection's write time (see the schema file)
    static final String UPSERT_ORDER = """
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
    /** The customer's order count is the size of this set, kept without a read or a counter. */
    static final String ADD_CUSTOMER_ORDER = """
            UPDATE %s.customer_read_model USING TIMESTAMP :write_time SET order_ids = order_ids + :order_ids
            WHERE customer_id = :customer_id""";

    // queries
    static final String SELECT_ORDER = """
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

    // a rebuild's sweep: full scans (paged), the point read a listed order is compared with, and deletes at
    // the write time the sweep chose
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
    static final String SELECT_CUSTOMER_ORDER_SETS = """
            SELECT customer_id, order_ids FROM %s.customer_read_model""";
    static final String DELETE_ORDER = """
            DELETE FROM %s.order_read_model USING TIMESTAMP :write_time WHERE order_id = :order_id""";
    static final String DELETE_ORDER_BY_CUSTOMER = """
            DELETE FROM %s.orders_by_customer USING TIMESTAMP :write_time
            WHERE customer_id = :customer_id AND created_at = :created_at AND order_id = :order_id""";
    static final String REMOVE_CUSTOMER_ORDER = """
            UPDATE %s.customer_read_model USING TIMESTAMP :write_time SET order_ids = order_ids - :order_ids
            WHERE customer_id = :customer_id""";

    /**
     * An order's row as a rebuild's sweep sees it: its keys, its version and its write time (the highest
     * of its cells' the sweep reads: a tombstone at it removes every cell a projection wrote with them).
     */
    record OrderRow(UUID orderId, UUID customerId, String status, Instant createdAt, long version, long writeTime) {
    }

    /** A row of {@code orders_by_customer} (no {@code status}) or of {@code orders_by_status} (no {@code customerId}). */
    record ListedOrder(UUID orderId, UUID customerId, String status, Instant createdAt, long writeTime) {
    }

    /** A customer's orders as its row holds them. */
    record CustomerOrders(UUID customerId, Set<UUID> orderIds) {
    }

    private final ReadModelSession session;
    private final ObjectMapper json;
    private final Statements cql;

    /** This read model's statements, prepared once. */
    private record Statements(PreparedStatement upsertOrder, PreparedStatement upsertOrderByCustomer,
                              PreparedStatement upsertOrderByStatus, PreparedStatement deleteOrderByStatus,
                              PreparedStatement addCustomerOrder, PreparedStatement selectOrder,
                              PreparedStatement selectOrders, PreparedStatement selectOrdersOfCustomer,
                              PreparedStatement selectOrdersOfCustomerInStatus, PreparedStatement selectOrdersInStatus,
                              PreparedStatement selectOrderRows, PreparedStatement selectOrderRow,
                              PreparedStatement selectOrdersByCustomerRows, PreparedStatement selectOrdersByStatusRows,
                              PreparedStatement selectCustomerOrderSets, PreparedStatement deleteOrder,
                              PreparedStatement deleteOrderByCustomer, PreparedStatement removeCustomerOrder) {
    }

    private OrderReadModel(ReadModelSession session, ObjectMapper json, Statements cql) {
        this.session = session;
        this.json = json;
        this.cql = cql;
    }

    static Future<OrderReadModel> prepare(ReadModelSession session, ObjectMapper json) {
        List<String> all = List.of(UPSERT_ORDER, UPSERT_ORDER_BY_CUSTOMER, UPSERT_ORDER_BY_STATUS, DELETE_ORDER_BY_STATUS,
                ADD_CUSTOMER_ORDER, SELECT_ORDER, SELECT_ORDERS, SELECT_ORDERS_OF_CUSTOMER, SELECT_ORDERS_OF_CUSTOMER_IN_STATUS,
                SELECT_ORDERS_IN_STATUS, SELECT_ORDER_ROWS, SELECT_ORDER_ROW, SELECT_ORDERS_BY_CUSTOMER_ROWS,
                SELECT_ORDERS_BY_STATUS_ROWS, SELECT_CUSTOMER_ORDER_SETS, DELETE_ORDER, DELETE_ORDER_BY_CUSTOMER,
                REMOVE_CUSTOMER_ORDER);
        List<Future<PreparedStatement>> prepared = all.stream().map(session::prepare).toList();
        return Future.all(prepared).map(done -> {
            List<PreparedStatement> p = prepared.stream().map(Future::result).toList();
            return new OrderReadModel(session, json, new Statements(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4),
                    p.get(5), p.get(6), p.get(7), p.get(8), p.get(9), p.get(10), p.get(11), p.get(12), p.get(13), p.get(14),
                    p.get(15), p.get(16), p.get(17)));
        });
    }

    // ---- the projection's writes -----------------------------------------------------------------

    /**
     * Writes the order's rows (its customer's list, its status list, its customer's orders, then its own
     * row) at {@code writeTime}. Its own row goes last: a reader that sees a version there (another
     * instance's read-your-writes) may count on the lists holding it too.
     *
     * @param delistFrom the statuses whose lists the order leaves
     * @param joining    whether the order joins its customer's orders (idempotent: a set)
     */
    Future<Void> writeOrder(Aggregate<OrderState> order, Set<OrderStatus> delistFrom, CustomerOrderSet joining, long writeTime) {
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
        lists.add(session.execute(cql.upsertOrderByCustomer().bind()
                .setLong("write_time", writeTime).setUuid("customer_id", state.customerId())
                .setInstant("created_at", order.createdAt()).setUuid("order_id", order.id())
                .setString("status", state.status().name()).setInt("item_count", state.itemCount())
                .set("total_minor", totalMinor, Long.class).setString("currency", currency)
                .setLong("version", order.version()).setInstant("updated_at", order.updatedAt())));
        lists.add(session.execute(cql.upsertOrderByStatus().bind()
                .setLong("write_time", writeTime).setString("status", state.status().name())
                .setInstant("created_at", order.createdAt()).setUuid("order_id", order.id())
                .setUuid("customer_id", state.customerId()).setInt("item_count", state.itemCount())
                .set("total_minor", totalMinor, Long.class).setString("currency", currency)
                .setLong("version", order.version()).setInstant("updated_at", order.updatedAt())));
        for (OrderStatus status : delistFrom) {
            lists.add(deleteOrderByStatus(status.name(), order.createdAt(), order.id(), writeTime));
        }
        if (joining == CustomerOrderSet.JOIN) {
            lists.add(session.execute(cql.addCustomerOrder().bind().setLong("write_time", writeTime)
                    .setSet("order_ids", Set.of(order.id()), UUID.class).setUuid("customer_id", state.customerId())));
        }
        return Future.all(lists).compose(v -> session.execute(cql.upsertOrder().bind()
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

    /** Whether a write adds the order to its customer's orders. */
    enum CustomerOrderSet { JOIN, LEAVE_AS_IS }

    // ---- queries ---------------------------------------------------------------------------------

    /** The order's row as the client sees it, or null when the read model has none. */
    Future<JsonObject> summary(UUID orderId) {
        return session.execute(cql.selectOrder().bind().setUuid("order_id", orderId)).map(rows -> {
            Row row = rows.one();
            return row == null || row.isNull("version") ? null : new JsonObject()
                    .put("orderId", row.getUuid("order_id").toString())
                    .put("version", row.getLong("version"))
                    .put("createdAt", text(row.getInstant("created_at")))
                    .put("updatedAt", text(row.getInstant("updated_at")))
                    .put("status", row.getString("status"))
                    .put("customerId", row.getUuid("customer_id").toString())
                    .put("items", new JsonArray(row.getString("items")))
                    .put("itemCount", row.getInt("item_count"))
                    .put("total", OrderRepresentation.money(row.get("total_minor", Long.class), row.getString("currency")))
                    .put("trackingNumber", row.getString("tracking_number"))
                    .put("carrier", row.getString("carrier"))
                    .put("deliverySignature", row.getString("delivery_signature"))
                    .put("cancelledReason", row.getString("cancel_reason"))
                    .put("cancelledBy", row.getUuid("cancelled_by") == null ? null : row.getUuid("cancelled_by").toString());
        });
    }

    /**
     * A page of orders: a customer's (newest first) when {@code customerId} is given, else those in
     * {@code status} (newest first), else all (in no particular order). Either filter may be null.
     * A cursor of another query fails with an {@link IllegalArgumentException}.
     */
    Future<JsonObject> orders(UUID customerId, OrderStatus status, int limit, String cursor) {
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
        return session.page(query, limit, cursor, OrderReadModel::listing).map(page -> new JsonObject()
                .put("orders", new JsonArray(page.rows())).put("next", page.next()));
    }

    private static JsonObject listing(Row row) {
        return new JsonObject()
                .put("orderId", row.getUuid("order_id").toString())
                .put("customerId", row.getUuid("customer_id") == null ? null : row.getUuid("customer_id").toString())
                .put("status", row.getString("status"))
                .put("itemCount", row.getInt("item_count"))
                .put("total", OrderRepresentation.money(row.get("total_minor", Long.class), row.getString("currency")))
                .put("version", row.getLong("version"))
                .put("createdAt", text(row.getInstant("created_at")))
                .put("updatedAt", text(row.getInstant("updated_at")));
    }

    // ---- a rebuild's sweep -------------------------------------------------------------------------

    /** Hands every row of {@code order_read_model} with a version to {@code page}, a page at a time. */
    Future<Void> forEachOrderRowPage(int pageSize, ReadModelSession.Retry retry, Function<List<OrderRow>, Future<Void>> page) {
        return session.forEachPage(cql.selectOrderRows().bind(), pageSize, retry, "reading order_read_model",
                OrderReadModel::orderRow, page);
    }

    /** Hands every row of {@code orders_by_customer} to {@code page}, a page at a time. */
    Future<Void> forEachOrderByCustomerPage(int pageSize, ReadModelSession.Retry retry,
                                            Function<List<ListedOrder>, Future<Void>> page) {
        return session.forEachPage(cql.selectOrdersByCustomerRows().bind(), pageSize, retry, "reading orders_by_customer",
                row -> new ListedOrder(row.getUuid("order_id"), row.getUuid("customer_id"), null,
                        row.getInstant("created_at"), ReadModelSession.latestWriteTime(row, "version_time", "cell_time")), page);
    }

    /** Hands every row of {@code orders_by_status} to {@code page}, a page at a time. */
    Future<Void> forEachOrderByStatusPage(int pageSize, ReadModelSession.Retry retry,
                                          Function<List<ListedOrder>, Future<Void>> page) {
        return session.forEachPage(cql.selectOrdersByStatusRows().bind(), pageSize, retry, "reading orders_by_status",
                row -> new ListedOrder(row.getUuid("order_id"), null, row.getString("status"),
                        row.getInstant("created_at"), ReadModelSession.latestWriteTime(row, "version_time", "cell_time")), page);
    }

    /** Hands every customer's orders (as {@code customer_read_model.order_ids} holds them) to {@code page}. */
    Future<Void> forEachCustomerOrdersPage(int pageSize, ReadModelSession.Retry retry,
                                           Function<List<CustomerOrders>, Future<Void>> page) {
        return session.forEachPage(cql.selectCustomerOrderSets().bind(), pageSize, retry, "reading customer_read_model",
                row -> new CustomerOrders(row.getUuid("customer_id"), row.getSet("order_ids", UUID.class)), page);
    }

    /** The order's row as a sweep compares with it, or null when there is none with a version. */
    Future<OrderRow> orderRow(UUID orderId) {
        return session.execute(cql.selectOrderRow().bind().setUuid("order_id", orderId)).map(rows -> {
            Row row = rows.one();
            return row == null ? null : orderRow(row);
        });
    }

    /** Deletes an order's row, its rows in both lists and its place among its customer's orders, at {@code writeTime}; answers how many. */
    Future<Integer> deleteOrder(OrderRow order, long writeTime) {
        List<Future<AsyncResultSet>> deletes = new ArrayList<>();
        deletes.add(session.execute(cql.deleteOrder().bind().setLong("write_time", writeTime).setUuid("order_id", order.orderId())));
        if (order.customerId() != null && order.createdAt() != null) {
            deletes.add(deleteOrderByCustomer(order.customerId(), order.createdAt(), order.orderId(), writeTime));
        }
        if (order.status() != null && order.createdAt() != null) {
            deletes.add(deleteOrderByStatus(order.status(), order.createdAt(), order.orderId(), writeTime));
        }
        if (order.customerId() != null) {
            deletes.add(session.execute(removeCustomerOrderStatement(order.customerId(), order.orderId(), writeTime)));
        }
        return Future.all(deletes).map(done -> deletes.size());
    }

    Future<Void> deleteListedOrder(ListedOrder listed, long writeTime) {
        return (listed.customerId() != null
                ? deleteOrderByCustomer(listed.customerId(), listed.createdAt(), listed.orderId(), writeTime)
                : deleteOrderByStatus(listed.status(), listed.createdAt(), listed.orderId(), writeTime)).mapEmpty();
    }

    /** Takes the order out of the customer's orders at {@code writeTime}. */
    Future<Void> removeCustomerOrder(UUID customerId, UUID orderId, long writeTime) {
        return session.execute(removeCustomerOrderStatement(customerId, orderId, writeTime)).mapEmpty();
    }

    private Future<AsyncResultSet> deleteOrderByCustomer(UUID customerId, Instant createdAt, UUID orderId, long writeTime) {
        return session.execute(cql.deleteOrderByCustomer().bind().setLong("write_time", writeTime)
                .setUuid("customer_id", customerId).setInstant("created_at", createdAt).setUuid("order_id", orderId));
    }

    private Future<AsyncResultSet> deleteOrderByStatus(String status, Instant createdAt, UUID orderId, long writeTime) {
        return session.execute(cql.deleteOrderByStatus().bind().setLong("write_time", writeTime).setString("status", status)
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
                ReadModelSession.latestWriteTime(row, "version_time", "customer_time", "status_time"));
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    static boolean sameKey(ListedOrder row, OrderRow order) {
        return Objects.equals(row.createdAt(), order.createdAt()) && (row.customerId() != null
                ? row.customerId().equals(order.customerId())
                : Objects.equals(row.status(), order.status()));
    }
}
