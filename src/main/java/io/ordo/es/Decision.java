package io.ordo.es;

import java.util.List;
import java.util.Objects;

/** What an aggregate decides about a command: the events to append, or a rejection. */
public sealed interface Decision<E extends DomainEvent> {

    /** Accepted; the list may be empty when the command changes nothing (e.g. same details again). */
    record Accepted<E extends DomainEvent>(List<E> events) implements Decision<E> {
        public Accepted {
            events = List.copyOf(events);
        }
    }

    record Rejected<E extends DomainEvent>(Rejection rejection) implements Decision<E> {
        public Rejected {
            Objects.requireNonNull(rejection, "rejection");
        }
    }

    @SafeVarargs
    static <E extends DomainEvent> Decision<E> accept(E... events) {
        return new Accepted<>(List.of(events));
    }

    static <E extends DomainEvent> Decision<E> reject(RejectionCode code, String message) {
        return new Rejected<>(code.because(message));
    }
}
