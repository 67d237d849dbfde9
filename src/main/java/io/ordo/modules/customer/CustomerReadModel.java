package io.ordo.modules.customer;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.ordo.domain.customer.CustomerState;
import io.ordo.es.Aggregate;
import io.ordo.store.ReadModelSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The customers' read table ({@code schema/modules/customer/}): their details, written by
 * {@link CustomerProjection}, and their orders' ids ({@code order_ids}), which the orders' projection
 * keeps: its size is the customer's order count.
 */
final class CustomerReadModel {

    static final String UPSERT_CUSTOMER = """
            UPDATE %s.customer_read_model USING TIMESTAMP :write_time
            SET email = :email, first_name = :first_name, last_name = :last_name, phone = :phone, status = :status,
                deactivation_reason = :deactivation_reason, version = :version, created_at = :created_at,
                updated_at = :updated_at
            WHERE customer_id = :customer_id""";
    static final String SELECT_CUSTOMER = """
            SELECT customer_id, email, first_name, last_name, phone, status, deactivation_reason, version, created_at,
                updated_at, order_ids
            FROM %s.customer_read_model WHERE customer_id = :customer_id""";
    static final String SELECT_CUSTOMER_ROWS = """
            SELECT customer_id, version, WRITETIME(version) AS version_time, WRITETIME(email) AS email_time,
                WRITETIME(status) AS status_time
            FROM %s.customer_read_model""";
    // The customers projection's columns only: order_ids belongs to the orders projection.
    static final String DELETE_CUSTOMER_DETAILS = """
            DELETE email, first_name, last_name, phone, status, deactivation_reason, version, created_at, updated_at
            FROM %s.customer_read_model USING TIMESTAMP :write_time WHERE customer_id = :customer_id""";

    /** A row of {@code customer_read_model} as a sweep sees it: {@code version} null when it holds only orders. */
    record CustomerRow(UUID customerId, Long version, long writeTime) {
    }

    private record Statements(PreparedStatement upsertCustomer, PreparedStatement selectCustomer,
                              PreparedStatement selectCustomerRows, PreparedStatement deleteCustomerDetails) {
    }

    private final ReadModelSession session;
    private final Statements cql;

    private CustomerReadModel(ReadModelSession session, Statements cql) {
        this.session = session;
        this.cql = cql;
    }

    static Future<CustomerReadModel> prepare(ReadModelSession session) {
        Future<PreparedStatement> upsert = session.prepare(UPSERT_CUSTOMER);
        Future<PreparedStatement> select = session.prepare(SELECT_CUSTOMER);
        Future<PreparedStatement> rows = session.prepare(SELECT_CUSTOMER_ROWS);
        Future<PreparedStatement> delete = session.prepare(DELETE_CUSTOMER_DETAILS);
        return Future.all(upsert, select, rows, delete).map(done -> new CustomerReadModel(session,
                new Statements(upsert.result(), select.result(), rows.result(), delete.result())));
    }

    Future<Void> writeCustomer(Aggregate<CustomerState> customer, long writeTime) {
        CustomerState state = customer.state();
        return session.execute(cql.upsertCustomer().bind()
                .setLong("write_time", writeTime).setUuid("customer_id", customer.id())
                .setString("email", state.email()).setString("first_name", state.firstName())
                .setString("last_name", state.lastName()).setString("phone", state.phone())
                .setString("status", state.status().name()).setString("deactivation_reason", state.deactivationReason())
                .setLong("version", customer.version())
                .setInstant("created_at", customer.createdAt()).setInstant("updated_at", customer.updatedAt()))
                .mapEmpty();
    }

    /** The customer's row as the client sees it, with {@code orderCount}; null when the read model has none. */
    Future<JsonObject> summary(UUID customerId) {
        return session.execute(cql.selectCustomer().bind().setUuid("customer_id", customerId)).map(rows -> {
            Row row = rows.one();
            return row == null || row.isNull("version") ? null : new JsonObject()
                    .put("customerId", row.getUuid("customer_id").toString())
                    .put("version", row.getLong("version"))
                    .put("createdAt", text(row.getInstant("created_at")))
                    .put("updatedAt", text(row.getInstant("updated_at")))
                    .put("status", row.getString("status"))
                    .put("email", row.getString("email"))
                    .put("firstName", row.getString("first_name"))
                    .put("lastName", row.getString("last_name"))
                    .put("phone", row.getString("phone"))
                    .put("deactivationReason", row.getString("deactivation_reason"))
                    .put("orderCount", row.getSet("order_ids", UUID.class).size());
        });
    }

    /** Hands every row of {@code customer_read_model} to {@code page}, a page at a time. */
    Future<Void> forEachCustomerRowPage(int pageSize, ReadModelSession.Retry retry, Function<List<CustomerRow>, Future<Void>> page) {
        return session.forEachPage(cql.selectCustomerRows().bind(), pageSize, retry, "reading customer_read_model",
                row -> new CustomerRow(row.getUuid("customer_id"), row.get("version", Long.class),
                        ReadModelSession.latestWriteTime(row, "version_time", "email_time", "status_time")), page);
    }

    /** Deletes what the customers projection writes of a customer (not its orders, the orders projection's). */
    Future<Void> deleteCustomerDetails(UUID customerId, long writeTime) {
        return session.execute(cql.deleteCustomerDetails().bind().setLong("write_time", writeTime)
                .setUuid("customer_id", customerId)).mapEmpty();
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
