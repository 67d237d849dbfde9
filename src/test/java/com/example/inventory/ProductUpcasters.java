package com.example.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ordo.es.Upcaster;

import java.util.List;

/** Older stored product events, brought up to their current versions as they are read. */
public final class ProductUpcasters {

    private ProductUpcasters() {
    }

    public static List<Upcaster> all() {
        return List.of(new ProductCreatedV1ToV2());
    }

    /** {@code ProductCreated} v1: {@code {"title": ...}}; v2 calls it {@code name} and adds {@code sku}. */
    static final class ProductCreatedV1ToV2 implements Upcaster {

        @Override
        public String eventType() {
            return ProductEvent.ProductCreated.TYPE.name();
        }

        @Override
        public int fromVersion() {
            return 1;
        }

        @Override
        public ObjectNode upcast(ObjectNode payload) {
            JsonNode title = payload.remove("title");
            payload.set("name", title);
            payload.putNull("sku");
            return payload;
        }
    }
}
