package io.ordo.domain.customer;

import java.util.UUID;

/** What can be asked of a customer. Addresses and numbers arrive already parsed into value objects. */
public sealed interface CustomerCommand {

    /** @param phone optional */
    record RegisterCustomer(UUID customerId, Email email, String firstName, String lastName, PhoneNumber phone)
            implements CustomerCommand {
    }

    /** Replaces names and phone; a null phone removes it. */
    record UpdateCustomerDetails(String firstName, String lastName, PhoneNumber phone) implements CustomerCommand {
    }

    record ChangeEmail(Email email) implements CustomerCommand {
    }

    /** @param reason optional */
    record DeactivateCustomer(String reason) implements CustomerCommand {
    }

    record ReactivateCustomer() implements CustomerCommand {
    }
}
