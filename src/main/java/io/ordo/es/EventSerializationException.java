package io.ordo.es;

/** An event that cannot be turned into JSON or back: an unknown type or version, or bad JSON. */
public final class EventSerializationException extends RuntimeException {

    public EventSerializationException(String message) {
        super(message);
    }

    public EventSerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
