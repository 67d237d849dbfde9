package io.ordo.es;

/**
 * A stable rejection code. Domains declare theirs as enums, so a code is one constant that tests,
 * HTTP errors and documentation all name the same way.
 */
public interface RejectionCode {

    /** The stable code, e.g. {@code ORDER_NOT_CONFIRMED}. */
    String name();

    Rejection.Kind kind();

    default Rejection because(String message) {
        return new Rejection(this, message);
    }
}
