package io.ordo.domain.order;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ordo.es.Upcaster;

import java.util.List;

/** The upcasters for stored order events older than their current version. */
public final class OrderUpcasters {

    private OrderUpcasters() {
    }

    public static List<Upcaster> all() {
        return List.of(new OrderCreatedV1ToV2());
    }

    /**
     * {@code OrderCreated} v1 predates multi-currency pricing: each item held an optional flat
     * {@code unitPriceCents}, always US cents. v2 holds {@code unitPrice: {amountMinor, currency}}.
     */
    static final class OrderCreatedV1ToV2 implements Upcaster {
        static final String V1_CURRENCY = "USD";

        @Override
        public String eventType() {
            return OrderEvent.OrderCreated.TYPE.name();
        }

        @Override
        public int fromVersion() {
            return 1;
        }

        @Override
        public ObjectNode upcast(ObjectNode payload) {
            JsonNode items = payload.path("items");
            for (JsonNode node : items) {
                if (node instanceof ObjectNode item && item.has("unitPriceCents")) {
                    JsonNode cents = item.remove("unitPriceCents");
                    if (!cents.isNull()) {
                        item.putObject("unitPrice")
                                .put("amountMinor", cents.asLong())
                                .put("currency", V1_CURRENCY);
                    }
                }
            }
            return payload;
        }
    }
}
