package io.ordo.es;

/**
 * A stored event stream that cannot be replayed as it is: a gap, a duplicate or an out-of-order
 * sequence number, or an event of another aggregate. Replaying past it would build a wrong state,
 * so it is always an error.
 */
public final class StreamIntegrityException extends IllegalStateException {

    public StreamIntegrityException(String message) {
        super(message);
    }
}
