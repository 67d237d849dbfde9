package io.ordo.module;

import io.ordo.es.DomainEvent;
import io.ordo.es.Rejection;

/**
 * A value that at most one aggregate of a type may hold at a time (a customer's email address). The
 * command processor reserves it before committing the event that claims it, and a reservation is
 * only ever trusted as far as the holder's stream confirms it: one its holder's state does not hold
 * (a crash between the reservation and the commit, a commit that failed) is taken over once it is
 * older than a lease, and a value is released only while the releasing aggregate's state no longer
 * holds it.
 */
public interface UniqueValue<S, E extends DomainEvent> {

    /** Names the space the values are unique in, e.g. {@code customer-email}. */
    String scope();

    /** The value {@code event} claims for its aggregate, or null. */
    String claimedBy(E event);

    /** The value {@code state} holds, or null: what confirms a reservation, and what a change releases. */
    String heldBy(S state);

    /** The answer to a command whose event claims a value another aggregate holds. */
    Rejection taken(String value);
}
