package io.ordo.modules.order;

import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** An order as clients see it: camelCase, with an UPPER_CASE {@code status} and money as {amountMinor, currency}. */
final class OrderRepresentation {

    private OrderRepresentation() {
    }

    static JsonObject of(OrderState order) {
        JsonArray items = new JsonArray();
        for (OrderItem item : order.items()) {
            JsonObject line = new JsonObject().put("productId", item.productId().toString()).put("quantity", item.quantity());
            if (item.unitPrice() != null) {
                line.put("unitPrice", money(item.unitPrice().amountMinor(), item.unitPrice().currency()));
            }
            items.add(line);
        }
        Money total = order.total();
        return new JsonObject()
                .put("status", order.status().name())
                .put("customerId", order.customerId().toString())
                .put("items", items)
                .put("itemCount", order.itemCount())
                .put("total", total == null ? null : money(total.amountMinor(), total.currency()))
                .put("trackingNumber", order.trackingNumber())
                .put("carrier", order.carrier())
                .put("deliverySignature", order.deliverySignature())
                .put("cancelledReason", order.cancelledReason())
                .put("cancelledBy", order.cancelledBy() == null ? null : order.cancelledBy().toString());
    }

    static JsonObject money(Long amountMinor, String currency) {
        return amountMinor == null ? null : new JsonObject().put("amountMinor", amountMinor).put("currency", currency);
    }
}
