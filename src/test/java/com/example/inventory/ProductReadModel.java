package com.example.inventory;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.ordo.es.Aggregate;
import io.ordo.store.ReadModelSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/** The products' read table ({@code schema/modules/product/}), every statement prepared once. */
final class ProductReadModel {

    static final String UPSERT = """
            UPDATE %s.product_read_model USING TIMESTAMP :write_time
            SET name = :name, sku = :sku, stock = :stock, status = :status, version = :version, updated_at = :updated_at
            WHERE product_id = :product_id""";
    static final String SELECT = """
            SELECT product_id, name, sku, stock, status, version, updated_at FROM %s.product_read_model
            WHERE product_id = :product_id""";
    static final String SELECT_ROWS = """
            SELECT product_id, version, WRITETIME(version) AS write_time FROM %s.product_read_model""";
    static final String DELETE = """
            DELETE FROM %s.product_read_model USING TIMESTAMP :write_time WHERE product_id = :product_id""";

    record ProductRow(UUID productId, long writeTime) {
    }

    private final ReadModelSession session;
    private final PreparedStatement upsert;
    private final PreparedStatement select;
    private final PreparedStatement selectRows;
    private final PreparedStatement delete;

    private ProductReadModel(ReadModelSession session, List<PreparedStatement> prepared) {
        this.session = session;
        this.upsert = prepared.get(0);
        this.select = prepared.get(1);
        this.selectRows = prepared.get(2);
        this.delete = prepared.get(3);
    }

    static Future<ProductReadModel> prepare(ReadModelSession session) {
        List<Future<PreparedStatement>> prepared = List.of(UPSERT, SELECT, SELECT_ROWS, DELETE).stream()
                .map(session::prepare).toList();
        return Future.all(prepared).map(done -> new ProductReadModel(session,
                prepared.stream().map(Future::result).toList()));
    }

    Future<Void> write(Aggregate<ProductState> product, long writeTime) {
        ProductState state = product.state();
        return session.execute(upsert.bind().setLong("write_time", writeTime).setUuid("product_id", product.id())
                .setString("name", state.name()).setString("sku", state.sku()).setInt("stock", state.stock())
                .setString("status", state.discontinued() ? "DISCONTINUED" : "ACTIVE").setLong("version", product.version())
                .setInstant("updated_at", product.updatedAt())).mapEmpty();
    }

    Future<JsonObject> summary(UUID productId) {
        return session.execute(select.bind().setUuid("product_id", productId)).map(rows -> {
            Row row = rows.one();
            return row == null || row.isNull("version") ? null : new JsonObject()
                    .put("productId", row.getUuid("product_id").toString())
                    .put("version", row.getLong("version"))
                    .put("name", row.getString("name"))
                    .put("sku", row.getString("sku"))
                    .put("stock", row.getInt("stock"))
                    .put("status", row.getString("status"));
        });
    }

    Future<Void> forEachRowPage(int pageSize, ReadModelSession.Retry retry, Function<List<ProductRow>, Future<Void>> page) {
        return session.forEachPage(selectRows.bind(), pageSize, retry, "reading product_read_model",
                row -> new ProductRow(row.getUuid("product_id"), ReadModelSession.latestWriteTime(row, "write_time")), page);
    }

    Future<Void> delete(UUID productId, long writeTime) {
        return session.execute(delete.bind().setLong("write_time", writeTime).setUuid("product_id", productId)).mapEmpty();
    }
}
