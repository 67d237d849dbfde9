package io.ordo.modules.customer;

import io.ordo.domain.customer.CustomerState;
import io.vertx.core.json.JsonObject;

/** A customer as clients see it: camelCase, with an UPPER_CASE {@code status}. */
final class CustomerRepresentation {

    private CustomerRepresentation() {
    }

    static JsonObject of(CustomerState customer) {
        return new JsonObject()
                .put("status", customer.status().name())
                .put("email", customer.email())
                .put("firstName", customer.firstName())
                .put("lastName", customer.lastName())
                .put("phone", customer.phone())
                .put("deactivationReason", customer.deactivationReason());
    }
}
