package io.ordo.domain.customer;

public enum CustomerStatus {
    ACTIVE,
    DEACTIVATED
}
