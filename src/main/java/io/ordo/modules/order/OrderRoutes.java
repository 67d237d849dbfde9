package io.ordo.modules.order;

import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderStatus;
import io.ordo.http.Gateway;
import io.ordo.http.Problem;
import io.ordo.http.RequestReader;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The orders' HTTP routes: their commands, and the queries of their read model. */
final class OrderRoutes {

    static final String SUMMARY = "summary";
    static final String LIST = "list";
    private static final Set<String> ITEM = Set.of("productId", "quantity", "unitPrice");
    private static final Set<String> MONEY = Set.of("amountMinor", "currency");
    private static final int MAX_ITEM_LINES = 1_000;

    private OrderRoutes() {
    }

    static void mount(Gateway orders) {
        Router router = orders.router();
        router.post("/orders").handler(ctx -> {
            RequestReader body = orders.body(ctx, Set.of("orderId", "customerId", "items"));
            var id = orders.newId(ctx, body.optionalUuid("orderId"));
            orders.command(ctx, id, new OrderCommand.CreateOrder(id, body.uuid("customerId"), items(body)),
                    Gateway.Answer.CREATED);
        });
        router.put("/orders/:id/items").handler(ctx -> {
            RequestReader body = orders.body(ctx, Set.of("items", "reason"));
            orders.command(ctx, orders.pathId(ctx), new OrderCommand.UpdateItems(items(body), body.optionalString("reason")),
                    Gateway.Answer.UPDATED);
        });
        router.post("/orders/:id/confirm").handler(ctx -> {
            orders.body(ctx, Set.of());
            orders.command(ctx, orders.pathId(ctx), new OrderCommand.ConfirmOrder(), Gateway.Answer.UPDATED);
        });
        router.post("/orders/:id/ship").handler(ctx -> {
            RequestReader body = orders.body(ctx, Set.of("trackingNumber", "carrier"));
            orders.command(ctx, orders.pathId(ctx), new OrderCommand.ShipOrder(body.optionalString("trackingNumber"),
                    body.optionalString("carrier")), Gateway.Answer.UPDATED);
        });
        router.post("/orders/:id/deliver").handler(ctx -> orders.command(ctx, orders.pathId(ctx),
                new OrderCommand.DeliverOrder(orders.body(ctx, Set.of("signature")).optionalString("signature")),
                Gateway.Answer.UPDATED));
        router.post("/orders/:id/cancel").handler(ctx -> {
            RequestReader body = orders.body(ctx, Set.of("reason", "cancelledBy"));
            orders.command(ctx, orders.pathId(ctx), new OrderCommand.CancelOrder(body.optionalString("reason"),
                    body.optionalUuid("cancelledBy")), Gateway.Answer.UPDATED);
        });

        router.get("/orders").handler(ctx -> orders.list(ctx, LIST, status(ctx)));
        router.get("/orders/:id/summary").handler(ctx -> orders.summary(ctx, SUMMARY, orders.pathId(ctx)));
        router.get("/customers/:id/orders").handler(ctx -> orders.list(ctx, LIST,
                status(ctx).put("customerId", orders.pathId(ctx).toString())));
    }

    /** The items array: each {productId, quantity, unitPrice?: {amountMinor, currency}}. */
    private static List<OrderItem> items(RequestReader body) {
        List<OrderItem> items = new ArrayList<>();
        for (RequestReader line : body.objects("items", MAX_ITEM_LINES, ITEM)) {
            RequestReader price = line.optionalObject("unitPrice", MONEY);
            items.add(new OrderItem(line.uuid("productId"), line.integer("quantity"),
                    price == null ? null : new Money(price.longValue("amountMinor"), price.string("currency"))));
        }
        return items;
    }

    /** The {@code ?status=} filter, as the list query's parameters. */
    private static JsonObject status(RoutingContext ctx) {
        String text = ctx.queryParams().get("status");
        if (text == null) {
            return new JsonObject();
        }
        try {
            return new JsonObject().put("status", OrderStatus.valueOf(text).name());
        } catch (IllegalArgumentException e) {
            throw new Problem.BadRequest("INVALID_PARAMETER", "'status' must be one of " + Arrays.toString(OrderStatus.values()));
        }
    }
}
