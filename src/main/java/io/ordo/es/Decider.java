package io.ordo.es;

import java.util.List;

/**
 * The behaviour of one aggregate type as three pure functions: its state before any event,
 * {@link #decide} (state and command to events or a rejection) and {@link #evolve} (state and
 * event to the next state). Nothing here knows about storage, time or I/O.
 *
 * @param <S> state, an immutable value
 * @param <C> the command family
 * @param <E> the event family
 */
public interface Decider<S, C, E extends DomainEvent> {

    /** The stable aggregate type name stored with every event, e.g. {@code Order}. */
    String aggregateType();

    /** Every event type this aggregate emits, for the serializer's registry. */
    List<EventType<? extends E>> eventTypes();

    /** The event family's base type, to check what is replayed into this aggregate. */
    Class<E> eventClass();

    S initialState();

    /**
     * The command family's base type: in cluster mode a command crosses to its shard's owner as JSON,
     * and only a type of this family is read back.
     */
    Class<C> commandClass();

    /** The state's type, so that snapshots can store and read it. */
    Class<S> stateClass();

    /**
     * The state's schema version for snapshots: bump it when the state's shape or meaning changes,
     * so that older snapshots are ignored (and the aggregate replayed) rather than misread.
     */
    default int stateVersion() {
        return 1;
    }

    Decision<E> decide(S state, C command);

    S evolve(S state, E event);
}
