package io.ordo.domain.order;

import io.ordo.es.Rejection;
import io.ordo.es.RejectionCode;

/** Every reason an order command can be refused. The constant's name is the stable code. */
public enum OrderRejection implements RejectionCode {
    ORDER_NOT_FOUND(Rejection.Kind.NOT_FOUND),
    ORDER_ALREADY_EXISTS(Rejection.Kind.CONFLICT),
    ORDER_CUSTOMER_REQUIRED(Rejection.Kind.INVALID),
    /** The customer does not exist (checked by the command side against the customer's stream). */
    ORDER_CUSTOMER_UNKNOWN(Rejection.Kind.UNPROCESSABLE),
    /** The customer is deactivated (checked by the command side). */
    ORDER_CUSTOMER_INACTIVE(Rejection.Kind.UNPROCESSABLE),
    ORDER_ITEMS_REQUIRED(Rejection.Kind.INVALID),
    ORDER_TOO_MANY_ITEMS(Rejection.Kind.INVALID),
    ITEM_PRODUCT_REQUIRED(Rejection.Kind.INVALID),
    ITEM_DUPLICATE_PRODUCT(Rejection.Kind.INVALID),
    ITEM_QUANTITY_INVALID(Rejection.Kind.INVALID),
    ITEM_PRICE_INVALID(Rejection.Kind.INVALID),
    ORDER_PRICING_INCONSISTENT(Rejection.Kind.INVALID),
    TEXT_TOO_LONG(Rejection.Kind.INVALID),
    SHIPMENT_TRACKING_REQUIRED(Rejection.Kind.INVALID),
    SHIPMENT_CARRIER_REQUIRED(Rejection.Kind.INVALID),
    ORDER_NOT_MODIFIABLE(Rejection.Kind.CONFLICT),
    ORDER_ALREADY_CONFIRMED(Rejection.Kind.CONFLICT),
    ORDER_NOT_CONFIRMED(Rejection.Kind.CONFLICT),
    ORDER_ALREADY_SHIPPED(Rejection.Kind.CONFLICT),
    ORDER_NOT_SHIPPED(Rejection.Kind.CONFLICT),
    ORDER_ALREADY_DELIVERED(Rejection.Kind.CONFLICT),
    ORDER_CANCELLED(Rejection.Kind.CONFLICT);

    private final Rejection.Kind kind;

    OrderRejection(Rejection.Kind kind) {
        this.kind = kind;
    }

    @Override
    public Rejection.Kind kind() {
        return kind;
    }
}
