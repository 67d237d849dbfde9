package io.ordo.domain.customer;

import io.ordo.es.Rejection;
import io.ordo.es.RejectionCode;

/** Every reason a customer command can be refused. The constant's name is the stable code. */
public enum CustomerRejection implements RejectionCode {
    CUSTOMER_NOT_FOUND(Rejection.Kind.NOT_FOUND),
    CUSTOMER_ALREADY_REGISTERED(Rejection.Kind.CONFLICT),
    CUSTOMER_EMAIL_REQUIRED(Rejection.Kind.INVALID),
    /** Another customer holds the address (checked by the store's reservation, not by the decider). */
    CUSTOMER_EMAIL_TAKEN(Rejection.Kind.CONFLICT),
    CUSTOMER_NAME_REQUIRED(Rejection.Kind.INVALID),
    CUSTOMER_NAME_TOO_LONG(Rejection.Kind.INVALID),
    CUSTOMER_REASON_TOO_LONG(Rejection.Kind.INVALID),
    CUSTOMER_DEACTIVATED(Rejection.Kind.CONFLICT),
    CUSTOMER_ALREADY_ACTIVE(Rejection.Kind.CONFLICT);

    private final Rejection.Kind kind;

    CustomerRejection(Rejection.Kind kind) {
        this.kind = kind;
    }

    @Override
    public Rejection.Kind kind() {
        return kind;
    }
}
