package io.ordo.store;

import io.ordo.es.EventEnvelope;

import java.util.List;

/** The answer of an append whose outcome is known: committed, or refused by the version guard. */
public sealed interface AppendResult {

    /** The events are committed; the aggregate is now at {@code version}. */
    record Appended(long version, List<EventEnvelope<?>> events) implements AppendResult {
        public Appended {
            events = List.copyOf(events);
        }
    }

    /** Another writer got there first: nothing was written; the aggregate is at {@code currentVersion}. */
    record Conflict(long currentVersion) implements AppendResult {
    }
}
