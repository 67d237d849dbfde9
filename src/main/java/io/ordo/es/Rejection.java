package io.ordo.es;

import java.util.Objects;

/**
 * A command refused by a business rule: a stable machine code plus a message for people.
 * A rejection is a normal answer, never an exception; infrastructure failures are exceptions.
 */
public record Rejection(RejectionCode code, String message) {

    public Rejection {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /** How a rejection maps onto the caller's world (HTTP uses it to pick a status). */
    public enum Kind {
        /** The command itself is invalid, whatever the aggregate's state. */
        INVALID,
        /** The command targets an aggregate that does not exist. */
        NOT_FOUND,
        /** The command is valid but the aggregate's current state forbids it. */
        CONFLICT,
        /** The command is well-formed but refers to something that makes it meaningless (e.g. an unknown customer). */
        UNPROCESSABLE
    }
}
