package io.ordo.store;

import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.servererrors.QueryValidationException;
import com.datastax.oss.driver.api.core.type.codec.CodecNotFoundException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** Tells an outage of the store (worth waiting out) from a failure that no retry will cure. */
public final class StoreFailures {

    private StoreFailures() {
    }

    /**
     * Whether {@code failure} is the store (or the way to it) being unavailable for now: a timeout, no
     * node reachable, an overloaded or restarting node, a connection lost, a request that got no answer
     * on the event bus. Not a query the database refuses, nor anything about the data itself.
     */
    public static boolean isOutage(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof QueryValidationException || cause instanceof CodecNotFoundException) {
                return false;
            }
            if (cause instanceof DriverException) {
                return true;
            }
            if (cause instanceof ReplyException reply
                    && (reply.failureType() == ReplyFailure.TIMEOUT || reply.failureType() == ReplyFailure.NO_HANDLERS)) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }
}
