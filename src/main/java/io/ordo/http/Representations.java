package io.ordo.http;

import io.ordo.domain.customer.CustomerState;
import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderState;
import io.ordo.es.Aggregate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** How aggregates look on HTTP: camelCase, with {@code version} and an UPPER_CASE {@code status}. */
final class Representations {

    private Representations() {
    }

    static JsonObject of(Aggregate<?> aggregate) {
        if (aggregate.state() instanceof OrderState order) {
            return order(aggregate, order);
        }
        if (aggregate.state() instanceof CustomerState customer) {
            return customer(aggregate, customer);
        }
        throw new IllegalArgumentException("no representation for " + aggregate.type());
    }

    private static JsonObject order(Aggregate<?> aggregate, OrderState order) {
        JsonArray items = new JsonArray();
        for (OrderItem item : order.items()) {
            JsonObject line = new JsonObject().put("productId", item.productId().toString()).put("quantity", item.quantity());
            if (item.unitPrice() != null) {
                line.put("unitPrice", money(item.unitPrice()));
            }
            items.add(line);
        }
        return common(new JsonObject().put("orderId", aggregate.id().toString()), aggregate)
                .put("status", order.status().name())
                .put("customerId", order.customerId().toString())
                .put("items", items)
                .put("itemCount", order.itemCount())
                .put("total", order.total() == null ? null : money(order.total()))
                .put("trackingNumber", order.trackingNumber())
                .put("carrier", order.carrier())
                .put("deliverySignature", order.deliverySignature())
                .put("cancelledReason", order.cancelledReason())
                .put("cancelledBy", order.cancelledBy() == null ? null : order.cancelledBy().toString());
    }

    private static JsonObject customer(Aggregate<?> aggregate, CustomerState customer) {
        return common(new JsonObject().put("customerId", aggregate.id().toString()), aggregate)
                .put("status", customer.status().name())
                .put("email", customer.email())
                .put("firstName", customer.firstName())
                .put("lastName", customer.lastName())
                .put("phone", customer.phone())
                .put("deactivationReason", customer.deactivationReason());
    }

    private static JsonObject common(JsonObject json, Aggregate<?> aggregate) {
        return json.put("version", aggregate.version())
                .put("createdAt", aggregate.createdAt() == null ? null : aggregate.createdAt().toString())
                .put("updatedAt", aggregate.updatedAt() == null ? null : aggregate.updatedAt().toString());
    }

    private static JsonObject money(Money money) {
        return new JsonObject().put("amountMinor", money.amountMinor()).put("currency", money.currency());
    }
}
