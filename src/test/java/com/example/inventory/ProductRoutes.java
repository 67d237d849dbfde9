package com.example.inventory;

import io.ordo.http.Gateway;
import io.ordo.http.RequestReader;
import io.vertx.ext.web.Router;

import java.util.Set;

/** The products' HTTP commands and their read model's summary. */
final class ProductRoutes {

    static final String SUMMARY = "summary";

    private ProductRoutes() {
    }

    static void mount(Gateway products) {
        Router router = products.router();
        router.post("/products").handler(ctx -> {
            RequestReader body = products.body(ctx, Set.of("productId", "name", "sku"));
            var id = products.newId(ctx, body.optionalUuid("productId"));
            products.command(ctx, id, new ProductCommand.CreateProduct(body.string("name"), body.optionalString("sku")),
                    Gateway.Answer.CREATED);
        });
        router.post("/products/:id/stock").handler(ctx -> products.command(ctx, products.pathId(ctx),
                new ProductCommand.ReceiveStock(products.body(ctx, Set.of("quantity")).integer("quantity")),
                Gateway.Answer.UPDATED));
        router.post("/products/:id/reservations").handler(ctx -> products.command(ctx, products.pathId(ctx),
                new ProductCommand.ReserveStock(products.body(ctx, Set.of("quantity")).integer("quantity")),
                Gateway.Answer.UPDATED));
        router.post("/products/:id/discontinue").handler(ctx -> products.command(ctx, products.pathId(ctx),
                new ProductCommand.Discontinue(products.body(ctx, Set.of("reason")).optionalString("reason")),
                Gateway.Answer.UPDATED));
        router.get("/products/:id/summary").handler(ctx -> products.summary(ctx, SUMMARY, products.pathId(ctx)));
    }
}
