package io.ordo.modules.customer;

import io.ordo.domain.customer.CustomerEvent;
import io.ordo.domain.customer.CustomerRejection;
import io.ordo.domain.customer.CustomerState;
import io.ordo.es.Rejection;
import io.ordo.module.UniqueValue;

/** One customer per email address: the address a customer's events claim, unique across customers. */
final class CustomerEmails implements UniqueValue<CustomerState, CustomerEvent> {

    static final String SCOPE = "customer-email";

    @Override
    public String scope() {
        return SCOPE;
    }

    @Override
    public String claimedBy(CustomerEvent event) {
        if (event instanceof CustomerEvent.CustomerRegistered registered) {
            return registered.email();
        }
        return event instanceof CustomerEvent.CustomerEmailChanged changed ? changed.email() : null;
    }

    @Override
    public String heldBy(CustomerState state) {
        return state.email();
    }

    @Override
    public Rejection taken(String value) {
        return CustomerRejection.CUSTOMER_EMAIL_TAKEN.because("another customer already uses this email address");
    }
}
