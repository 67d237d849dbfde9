package io.ordo.command;

import io.ordo.es.Aggregate;
import io.ordo.es.EventEnvelope;
import io.ordo.es.Rejection;

import java.util.List;

/** The aggregate verticle's answer to one {@link CommandRequest}. */
public sealed interface CommandReply {

    /** Committed (or accepted with nothing to change): the aggregate after it, and the new events. */
    record Accepted(Aggregate<?> aggregate, List<EventEnvelope<?>> events) implements CommandReply {
    }

    /** A business rule refused the command; nothing changed. */
    record Rejected(Rejection rejection, long version) implements CommandReply {
    }

    /** The client's If-Match named another version. */
    record VersionMismatch(long expected, long current) implements CommandReply {
    }

    /** Still conflicting after the configured retries. */
    record Contended(long current) implements CommandReply {
    }

    /** A replay of an Idempotency-Key: the answer the first request got (accepted or rejected). */
    record Replayed(CommandReply original) implements CommandReply {
    }

    /** The key was used before for a different request. */
    record KeyReused(String key) implements CommandReply {
    }

    /** The key's first request is still running (here or on another instance): retry it shortly. */
    record InProgress(String key) implements CommandReply {
    }

    /** The store failed; {@code outcomeUnknown} when the commit may or may not have happened. */
    record Unavailable(boolean outcomeUnknown, String detail) implements CommandReply {
    }
}
