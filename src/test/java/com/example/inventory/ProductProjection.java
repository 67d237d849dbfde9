package com.example.inventory;

import io.ordo.es.Aggregate;
import io.ordo.es.Decider;
import io.ordo.projection.Projection;
import io.ordo.projection.Sweep;
import io.vertx.core.Future;

import java.util.List;

/** Products into {@code product_read_model}: one row per product, its stock as of its latest version. */
final class ProductProjection implements Projection<ProductState> {

    static final String NAME = "products";

    private final ProductReadModel readModel;
    private final ProductDecider decider = new ProductDecider();

    ProductProjection(ProductReadModel readModel) {
        this.readModel = readModel;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> tables() {
        return List.of("product_read_model");
    }

    @Override
    public Decider<ProductState, ?, ?> decider() {
        return decider;
    }

    @Override
    public Future<Void> write(Aggregate<ProductState> product, Aggregate<ProductState> previous, long writeTime) {
        return readModel.write(product, writeTime);
    }

    /** Rows of products that have no stream go, at the row's own write time. */
    @Override
    public Future<Void> sweep(Sweep sweep) {
        return readModel.forEachRowPage(sweep.pageSize(), sweep.retry(), rows -> sweep.each(rows,
                row -> "sweeping product " + row.productId(),
                row -> sweep.hasStream(row.productId()).compose(exists -> exists ? Future.succeededFuture(0)
                        : readModel.delete(row.productId(), row.writeTime()).map(1)))
                .compose(v -> sweep.pageDone()));
    }
}
