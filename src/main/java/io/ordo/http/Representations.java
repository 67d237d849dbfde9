package io.ordo.http;

import io.ordo.domain.customer.CustomerState;
import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderState;
import io.ordo.es.Aggregate;
import io.ordo.store.ReadModelStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

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

    /** An order as the read model holds it: the same fields as the order itself, but no history. */
    static JsonObject of(ReadModelStore.OrderSummary order) {
        return new JsonObject()
                .put("orderId", order.orderId().toString())
                .put("version", order.version())
                .put("createdAt", text(order.createdAt()))
                .put("updatedAt", text(order.updatedAt()))
                .put("status", order.status())
                .put("customerId", order.customerId().toString())
                .put("items", new JsonArray(order.itemsJson()))
                .put("itemCount", order.itemCount())
                .put("total", money(order.totalMinor(), order.currency()))
                .put("trackingNumber", order.trackingNumber())
                .put("carrier", order.carrier())
                .put("deliverySignature", order.deliverySignature())
                .put("cancelledReason", order.cancelReason())
                .put("cancelledBy", order.cancelledBy() == null ? null : order.cancelledBy().toString());
    }

    static JsonObject of(ReadModelStore.CustomerSummary customer) {
        return new JsonObject()
                .put("customerId", customer.customerId().toString())
                .put("version", customer.version())
                .put("createdAt", text(customer.createdAt()))
                .put("updatedAt", text(customer.updatedAt()))
                .put("status", customer.status())
                .put("email", customer.email())
                .put("firstName", customer.firstName())
                .put("lastName", customer.lastName())
                .put("phone", customer.phone())
                .put("deactivationReason", customer.deactivationReason())
                .put("orderCount", customer.orderCount());
    }

    static JsonObject of(ReadModelStore.OrderPage page) {
        JsonArray orders = new JsonArray();
        for (ReadModelStore.OrderListing order : page.orders()) {
            orders.add(new JsonObject()
                    .put("orderId", order.orderId().toString())
                    .put("customerId", order.customerId() == null ? null : order.customerId().toString())
                    .put("status", order.status())
                    .put("itemCount", order.itemCount())
                    .put("total", money(order.totalMinor(), order.currency()))
                    .put("version", order.version())
                    .put("createdAt", text(order.createdAt()))
                    .put("updatedAt", text(order.updatedAt())));
        }
        return new JsonObject().put("orders", orders).put("next", page.next());
    }

    private static JsonObject money(Long amountMinor, String currency) {
        return amountMinor == null ? null : new JsonObject().put("amountMinor", amountMinor).put("currency", currency);
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static JsonObject common(JsonObject json, Aggregate<?> aggregate) {
        return json.put("version", aggregate.version())
                .put("createdAt", text(aggregate.createdAt()))
                .put("updatedAt", text(aggregate.updatedAt()));
    }

    private static JsonObject money(Money money) {
        return money(money.amountMinor(), money.currency());
    }
}
