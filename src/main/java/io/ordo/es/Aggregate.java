package io.ordo.es;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One aggregate's state at a version, as replay builds it: the value the command side caches and
 * the store snapshots. Version 0 means no event yet. Replay checks every sequence number, so a
 * damaged stream fails loudly instead of producing a plausible but wrong state.
 *
 * @param createdAt timestamp of the first event; null at version 0
 * @param updatedAt timestamp of the last event; null at version 0
 */
public record Aggregate<S>(String type, UUID id, long version, S state, Instant createdAt, Instant updatedAt) {

    public Aggregate {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
    }

    /** An aggregate that has no event yet. */
    public static <S> Aggregate<S> empty(Decider<S, ?, ?> decider, UUID id) {
        return new Aggregate<>(decider.aggregateType(), id, 0, decider.initialState(), null, null);
    }

    /** Replays a whole stream, in order, from version 0. */
    public static <S, E extends DomainEvent> Aggregate<S> rebuild(
            Decider<S, ?, E> decider, UUID id, Iterable<? extends EventEnvelope<?>> events) {
        return empty(decider, id).replay(decider, events);
    }

    public boolean exists() {
        return version > 0;
    }

    /** Applies stored events that must continue this aggregate's stream exactly. */
    public <E extends DomainEvent> Aggregate<S> replay(Decider<S, ?, E> decider, Iterable<? extends EventEnvelope<?>> events) {
        Aggregate<S> current = this;
        for (EventEnvelope<?> event : events) {
            current = current.apply(decider, event);
        }
        return current;
    }

    /** Applies one stored event, checking that it is this aggregate's next one. */
    public <E extends DomainEvent> Aggregate<S> apply(Decider<S, ?, E> decider, EventEnvelope<?> event) {
        if (!id.equals(event.aggregateId())) {
            throw new StreamIntegrityException("event " + event.eventId() + " belongs to aggregate "
                    + event.aggregateId() + ", not " + id);
        }
        if (!type.equals(event.aggregateType())) {
            throw new StreamIntegrityException("event " + event.eventId() + " of aggregate " + id + " has type "
                    + event.aggregateType() + ", expected " + type);
        }
        long expected = version + 1;
        if (event.sequenceNumber() != expected) {
            String problem = event.sequenceNumber() <= version ? "duplicate or out-of-order" : "gap before";
            throw new StreamIntegrityException(problem + " sequence number " + event.sequenceNumber()
                    + " in aggregate " + id + ": expected " + expected);
        }
        E data = decider.eventClass().cast(event.eventData());
        Instant created = createdAt == null ? event.timestamp() : createdAt;
        return new Aggregate<>(type, id, expected, decider.evolve(state, data), created, event.timestamp());
    }

    /**
     * Decides a command against this state and, if accepted, wraps the new events in envelopes
     * numbered after this version and applies them.
     */
    public <C, E extends DomainEvent> Execution<S, E> execute(
            Decider<S, C, E> decider, C command, CommandMetadata metadata, Instant now) {
        Decision<E> decision = decider.decide(state, command);
        if (decision instanceof Decision.Rejected<E> rejected) {
            return new Execution.Rejected<>(rejected.rejection());
        }
        List<E> events = ((Decision.Accepted<E>) decision).events();
        List<EventEnvelope<E>> envelopes = new ArrayList<>(events.size());
        // Timestamps never go backwards within an aggregate (clocks of two writers may disagree),
        // so "the state at instant T" is always a prefix of the stream.
        Instant at = updatedAt != null && now.isBefore(updatedAt) ? updatedAt : now;
        Aggregate<S> after = this;
        for (E event : events) {
            EventEnvelope<E> envelope = EventEnvelope.wrap(event, id, type, after.version + 1, metadata, at);
            envelopes.add(envelope);
            after = after.apply(decider, envelope);
        }
        return new Execution.Applied<>(after, List.copyOf(envelopes));
    }

    /** The result of {@link #execute}: the new events with the state after them, or a rejection. */
    public sealed interface Execution<S, E extends DomainEvent> {

        record Applied<S, E extends DomainEvent>(Aggregate<S> after, List<EventEnvelope<E>> events)
                implements Execution<S, E> {
        }

        record Rejected<S, E extends DomainEvent>(Rejection rejection) implements Execution<S, E> {
        }
    }
}
