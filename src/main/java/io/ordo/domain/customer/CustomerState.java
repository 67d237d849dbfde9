package io.ordo.domain.customer;

/** A customer as its events made it; {@link #NONE} before registration (status null). */
public record CustomerState(
        String email, String firstName, String lastName, String phone, CustomerStatus status, String deactivationReason) {

    public static final CustomerState NONE = new CustomerState(null, null, null, null, null, null);

    public boolean exists() {
        return status != null;
    }

    public boolean isActive() {
        return status == CustomerStatus.ACTIVE;
    }
}
