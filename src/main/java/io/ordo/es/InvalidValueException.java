package io.ordo.es;

/**
 * Raw input that a value object (an email address, a phone number) refuses. It is thrown when a
 * command is being built, before any aggregate sees it, and carries a stable code for callers.
 */
public final class InvalidValueException extends IllegalArgumentException {

    private final String code;

    public InvalidValueException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
