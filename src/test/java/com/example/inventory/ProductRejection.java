package com.example.inventory;

import io.ordo.es.Rejection;
import io.ordo.es.RejectionCode;

public enum ProductRejection implements RejectionCode {
    PRODUCT_NOT_FOUND(Rejection.Kind.NOT_FOUND),
    PRODUCT_ALREADY_EXISTS(Rejection.Kind.CONFLICT),
    PRODUCT_DISCONTINUED(Rejection.Kind.CONFLICT),
    INSUFFICIENT_STOCK(Rejection.Kind.CONFLICT),
    PRODUCT_NAME_REQUIRED(Rejection.Kind.INVALID),
    QUANTITY_NOT_POSITIVE(Rejection.Kind.INVALID);

    private final Rejection.Kind kind;

    ProductRejection(Rejection.Kind kind) {
        this.kind = kind;
    }

    @Override
    public Rejection.Kind kind() {
        return kind;
    }
}
