package io.ordo.projection;

import io.ordo.command.Addresses;
import io.ordo.es.EventEnvelope;
import io.ordo.store.ProjectionStore;
import io.ordo.store.ProjectionStore.ParkedEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The projections' dead letters: an event a projection could never apply, parked in
 * {@code projection_dead_letters}; its aggregate's later events wait behind it until an operator's
 * retry. The table decides (another instance may have parked or released an aggregate): it is read at
 * start, at each rebalance and every 30 s, and an aggregate known parked here is checked against it
 * before its events are skipped.
 */
final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final Vertx vertx;
    private final Projections projections;
    private final ProjectionStore store;
    private final ProjectedStates states;
    private final Addresses addresses;
    private final Map<String, Map<UUID, ParkedEvent>> parked = new HashMap<>();
    /** Dead-letter reads started, and the read under way when an aggregate was parked here (see {@link #load}). */
    private long loadsStarted;
    private final Map<UUID, Long> parkedDuringLoad = new HashMap<>();
    private volatile int count;

    DeadLetters(Vertx vertx, Projections projections, ProjectionStore store, ProjectedStates states, Addresses addresses) {
        this.vertx = vertx;
        this.projections = projections;
        this.store = store;
        this.states = states;
        this.addresses = addresses;
        projections.names().forEach(name -> parked.put(name, new HashMap<>()));
    }

    /** Aggregates waiting behind a dead letter, as this instance knows them (any thread). */
    int count() {
        return count;
    }

    /** Reads every projection's dead letters; what this instance parked after the read went out is kept. */
    Future<Void> load() {
        long load = ++loadsStarted;
        List<Future<?>> loads = new ArrayList<>();
        for (String name : projections.names()) {
            loads.add(store.parked(name).onSuccess(events -> {
                Map<UUID, ParkedEvent> mine = parked.get(name);
                Map<UUID, ParkedEvent> since = new HashMap<>();
                mine.forEach((id, event) -> {
                    if (parkedDuringLoad.getOrDefault(id, 0L) >= load) {
                        since.put(id, event);
                    }
                });
                mine.clear();
                events.forEach(event -> mine.put(event.aggregateId(), event));
                mine.putAll(since);
                recount();
            }));
        }
        return Future.all(loads).mapEmpty();
    }

    /** Whether the aggregate's events wait behind a dead letter of {@code projection} (the table decides). */
    Future<Boolean> waiting(Projection<?> projection, UUID aggregateId) {
        Map<UUID, ParkedEvent> mine = parked.get(projection.name());
        if (!mine.containsKey(aggregateId)) {
            return Future.succeededFuture(false);
        }
        // A retry on another instance may have let the aggregate go since.
        return store.isParked(projection.name(), aggregateId).map(still -> {
            if (!still) {
                mine.remove(aggregateId);
                recount();
            }
            return still;
        });
    }

    /**
     * Parks the aggregate at the first of {@code events} above the state in memory (or at the unreadable
     * {@code record}): its later events wait.
     */
    Future<Void> park(Projection<?> projection, UUID aggregateId, ConsumerRecord<String, String> record,
                      List<EventEnvelope<?>> events, Throwable failure, int attempts) {
        EventEnvelope<?> event = firstUnapplied(projection, aggregateId, events);
        JsonObject raw = event != null ? null : lenient(record.value());
        ParkedEvent parkedEvent = new ParkedEvent(aggregateId,
                event != null ? event.sequenceNumber() : raw.getLong("sequenceNumber", headerLong(record, "sequence_number")),
                event != null ? event.eventId() : uuidOrNull(raw.getString("eventId", header(record, "event_id"))),
                event != null ? event.eventType() : raw.getString("eventType", header(record, "event_type")),
                String.valueOf(failure.getMessage()), attempts, Instant.now());
        LOG.error("Projection {} parked {} at event {} after {} attempts: {}; its later events wait for a retry "
                        + "(POST /ops/projections/{}/dead-letters/{}/retry)", projection.name(), aggregateId,
                parkedEvent.sequenceNumber(), attempts, failure.toString(), projection.name(), aggregateId);
        return store.park(projection.name(), parkedEvent).onSuccess(v -> {
            parked.get(projection.name()).put(aggregateId, parkedEvent);
            parkedDuringLoad.put(aggregateId, loadsStarted);
            recount();
        });
    }

    /** The first of {@code events} above the state in memory: where a failing run is parked. */
    private EventEnvelope<?> firstUnapplied(Projection<?> projection, UUID aggregateId, List<EventEnvelope<?>> events) {
        var known = states.get(projection.name(), aggregateId);
        long version = known == null ? 0 : known.version();
        return events.stream().filter(event -> event.sequenceNumber() > version).findFirst()
                .orElse(events.isEmpty() ? null : events.get(0));
    }

    /** Catches a parked aggregate up from the event store and lets its events through again. */
    <S> Future<JsonObject> retry(Projection<S> projection, UUID id) {
        String name = projection.name();
        return projections.hasStream(projection, id).compose(exists -> {
            if (!exists) {
                return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 404,
                        projection.aggregateType().toLowerCase() + " " + id + " does not exist"));
            }
            // Let the live path through first, then read: an event it takes meanwhile is in what is read.
            parked.get(name).remove(id);
            recount();
            return store.unpark(name, id).compose(v -> projections.repository(projection).load(id))
                    .compose(state -> projection.repair(state, Projection.writeTime(state.version(), 0)).map(v -> {
                        states.putIfNewer(name, state);
                        vertx.eventBus().publish(addresses.projected(),
                                new Projected(projection.aggregateType(), id, state.version(), state.updatedAt()));
                        return new JsonObject().put("aggregateId", id.toString()).put("version", state.version());
                    }));
        });
    }

    /** The projection's dead letters, for the operators' view. */
    JsonArray list(String projection) {
        JsonArray letters = new JsonArray();
        parked.get(projection).values().forEach(event -> letters.add(new JsonObject()
                .put("aggregateId", event.aggregateId().toString()).put("sequenceNumber", event.sequenceNumber())
                .put("eventType", event.eventType()).put("error", event.error())
                .put("attempts", event.attempts()).put("createdAt", event.createdAt().toString())));
        return letters;
    }

    private void recount() {
        parkedDuringLoad.keySet().removeIf(id -> parked.values().stream().noneMatch(mine -> mine.containsKey(id)));
        count = parked.values().stream().mapToInt(Map::size).sum();
    }

    /** What can be read of a record that is not a valid envelope, for the operators' view; empty if nothing. */
    private static JsonObject lenient(String value) {
        try {
            JsonObject json = value == null ? new JsonObject() : new JsonObject(value);
            JsonObject facts = new JsonObject();
            if (json.getValue("sequenceNumber") instanceof Number sequence) {
                facts.put("sequenceNumber", sequence.longValue());
            }
            if (json.getValue("eventId") instanceof String id) {
                facts.put("eventId", id);
            }
            if (json.getValue("eventType") instanceof String type) {
                facts.put("eventType", type);
            }
            return facts;
        } catch (RuntimeException e) {
            return new JsonObject();
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static long headerLong(ConsumerRecord<String, String> record, String name) {
        try {
            String value = header(record, name);
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static UUID uuidOrNull(String text) {
        try {
            return text == null ? null : UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
