package io.ordo.outbox;

import io.ordo.es.EventEnvelope;

import java.util.List;
import java.util.UUID;

/**
 * Word that an event may have been committed at {@code sequenceNumber} of an aggregate: from the
 * store right after a commit (the fast path) or from an outbox intent found by a source. A hint from
 * a source is never trusted: the relay checks it against the event store. {@code eventTimeMs} is the
 * best durable time of the hinted events (the event's timestamp, or the outbox intent's write time,
 * just before the commit): the relay's backlog age counts from it.
 *
 * @param committed the events of a local commit, up to {@code sequenceNumber}, known committed: the relay
 *                  may publish them without reading them back. Empty for a source's hint
 */
public record OutboxHint(UUID aggregateId, long sequenceNumber, long eventTimeMs, List<EventEnvelope<?>> committed) {

    public OutboxHint {
        committed = List.copyOf(committed);
    }

    /** A source's hint: an intent for {@code sequenceNumber}, written at {@code eventTimeMs}. */
    public static OutboxHint of(UUID aggregateId, long sequenceNumber, long eventTimeMs) {
        return new OutboxHint(aggregateId, sequenceNumber, eventTimeMs, List.of());
    }

    /** The fast path's hint: these events were just committed, in order. */
    public static OutboxHint committed(List<? extends EventEnvelope<?>> events) {
        EventEnvelope<?> first = events.get(0);
        EventEnvelope<?> last = events.get(events.size() - 1);
        return new OutboxHint(first.aggregateId(), last.sequenceNumber(), first.timestamp().toEpochMilli(),
                List.copyOf(events));
    }
}
