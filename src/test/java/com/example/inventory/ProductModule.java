package com.example.inventory;

import io.ordo.es.Decider;
import io.ordo.es.RejectionCode;
import io.ordo.es.Upcaster;
import io.ordo.http.Gateway;
import io.ordo.module.AggregateModule;
import io.ordo.projection.ReadSide;
import io.ordo.store.ReadModelSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Products as a host application's aggregate module, on Ordo's public API only: its rules, an upcaster,
 * its routes, its topic, its read model and projection.
 */
public final class ProductModule implements AggregateModule<ProductState, ProductCommand, ProductEvent> {

    public static final String TOPIC = "product-events";

    private final ProductDecider decider = new ProductDecider();

    @Override
    public Decider<ProductState, ProductCommand, ProductEvent> decider() {
        return decider;
    }

    @Override
    public List<Upcaster> upcasters() {
        return ProductUpcasters.all();
    }

    @Override
    public String topic() {
        return TOPIC;
    }

    @Override
    public String collection() {
        return "products";
    }

    @Override
    public String idField() {
        return "productId";
    }

    @Override
    public JsonObject represent(ProductState state) {
        return new JsonObject().put("name", state.name()).put("sku", state.sku()).put("stock", state.stock())
                .put("status", state.discontinued() ? "DISCONTINUED" : "ACTIVE");
    }

    @Override
    public RejectionCode notFound() {
        return ProductRejection.PRODUCT_NOT_FOUND;
    }

    @Override
    public void routes(Gateway gateway) {
        ProductRoutes.mount(gateway);
    }

    @Override
    public Future<ReadSide<ProductState>> readSide(ReadModelSession session) {
        return ProductReadModel.prepare(session).map(readModel -> new ReadSide<>(List.of(new ProductProjection(readModel)),
                Map.of(ProductRoutes.SUMMARY, params -> readModel.summary(UUID.fromString(params.getString("id"))))));
    }

    @Override
    public List<String> schemaFiles() {
        return List.of("schema/modules/product/V1__read_models.cql");
    }
}
