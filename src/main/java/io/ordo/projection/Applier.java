package io.ordo.projection;

import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.es.Aggregate;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializationException;
import io.ordo.ops.InTurn;
import io.ordo.ops.OrdoMetrics;
import io.ordo.ops.Retry;
import io.ordo.store.FaultInjector;
import io.ordo.store.StoreFailures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Applies one aggregate's records of a poll to each projection of its type, in order: an event that
 * continues the state in memory is folded into it, a duplicate or older one skipped, and after a gap
 * (or with nothing in memory) the state at the run's highest version is read from the event store.
 * The rows are written once per run, at its last version. A store outage is waited out with backoff;
 * a failure that would happen again is tried {@code projections.maxAttempts} times, then parked.
 */
final class Applier {

    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    private final Vertx vertx;
    private final Context context;
    private final Projections projections;
    private final ProjectedStates states;
    private final DeadLetters deadLetters;
    private final OrdoConfig.Projections config;
    private final EnvelopeCodec codec;
    private final FaultInjector faults;
    private final OrdoMetrics metrics;
    private final Addresses addresses;
    private final Retry retry;
    private final BooleanSupplier stopping;
    long appliedEvents;
    long skippedEvents;
    Instant lastEventTime;
    long lastLagMs;

    Applier(Vertx vertx, Context context, Projections projections, ProjectedStates states, DeadLetters deadLetters,
            OrdoConfig.Projections config, EnvelopeCodec codec, FaultInjector faults, OrdoMetrics metrics,
            Addresses addresses, Retry retry, BooleanSupplier stopping) {
        this.vertx = vertx;
        this.context = context;
        this.projections = projections;
        this.states = states;
        this.deadLetters = deadLetters;
        this.config = config;
        this.codec = codec;
        this.faults = faults;
        this.metrics = metrics;
        this.addresses = addresses;
        this.retry = retry;
        this.stopping = stopping;
    }

    /** A run of one aggregate's readable events for one projection, or a record that could not be read. */
    private record Step(Projection<?> projection, List<EventEnvelope<?>> events, ConsumerRecord<String, String> record,
                        RuntimeException unreadable) {
    }

    /**
     * One aggregate's records of a poll. For each projection of their type, consecutive readable events
     * are one run (its rows written once, at the last version); an unreadable record is a step of its own,
     * after what came before it. Each projection's steps run in turn, as a loop; projections side by side.
     */
    Future<Void> consume(UUID aggregateId, List<ConsumerRecord<String, String>> records) {
        Map<Projection<?>, List<Step>> steps = new java.util.LinkedHashMap<>();
        Map<Projection<?>, List<EventEnvelope<?>>> runs = new java.util.LinkedHashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            List<Projection<?>> ofTopic = projections.ofTopic(record.topic());
            EventEnvelope<?> event;
            try {
                event = codec.decode(record.value());
            } catch (RuntimeException e) { // EventSerializationException, or a payload that breaks the envelope
                RuntimeException unreadable = new EventSerializationException("not a readable envelope: " + e.getMessage(), e);
                for (Projection<?> projection : ofTopic) {
                    endRun(steps, runs, projection);
                    steps.computeIfAbsent(projection, p -> new ArrayList<>()).add(new Step(projection, List.of(), record, unreadable));
                }
                continue;
            }
            List<Projection<?>> ofType = projections.of(event.aggregateType());
            if (ofType.isEmpty() || !aggregateId.equals(event.aggregateId())) {
                skippedEvents++;
                continue;
            }
            for (Projection<?> projection : ofType) {
                runs.computeIfAbsent(projection, p -> new ArrayList<>()).add(event);
            }
        }
        runs.keySet().forEach(projection -> steps.computeIfAbsent(projection, p -> new ArrayList<>()));
        List<Future<Void>> perProjection = new ArrayList<>();
        for (Map.Entry<Projection<?>, List<Step>> entry : steps.entrySet()) {
            endRun(steps, runs, entry.getKey());
            perProjection.add(InTurn.each(context, entry.getValue(), step -> attempt(step, aggregateId)));
        }
        return Future.all(perProjection).mapEmpty();
    }

    private static void endRun(Map<Projection<?>, List<Step>> steps, Map<Projection<?>, List<EventEnvelope<?>>> runs,
                               Projection<?> projection) {
        List<EventEnvelope<?>> run = runs.remove(projection);
        if (run != null && !run.isEmpty()) {
            steps.computeIfAbsent(projection, p -> new ArrayList<>()).add(new Step(projection, run, null, null));
        }
    }

    /**
     * Applies a step (or fails with its unreadable record), retrying with backoff: for as long as the
     * store is out (it will come back: nothing is parked for it, the lag gauge shows the wait), and up to
     * {@code projections.maxAttempts} times for a failure that would happen again (an event that cannot
     * be read or applied), which is then parked.
     */
    private Future<Void> attempt(Step step, UUID aggregateId) {
        Projection<?> projection = step.projection();
        return deadLetters.waiting(projection, aggregateId).compose(waiting -> {
            if (waiting) {
                skippedEvents += Math.max(1, step.events().size()); // waits behind its parked event
                return Future.succeededFuture();
            }
            int[] lasting = {0};
            return retry.run(() -> step.unreadable() != null ? Future.failedFuture(step.unreadable())
                            : apply(projection, aggregateId, step.events()),
                    (failure, attempt) -> {
                        if (stopping.getAsBoolean()) {
                            return false;
                        }
                        if (StoreFailures.isOutage(failure)) {
                            if (attempt % 10 == 1) {
                                LOG.warn("Projection {} waits for the store to apply {} (attempt {}): {}", projection.name(),
                                        aggregateId, attempt, failure.toString());
                            }
                            return true;
                        }
                        LOG.debug("Projection {} failed on {} (attempt {}): {}", projection.name(), aggregateId, attempt,
                                failure.toString());
                        return ++lasting[0] < config.maxAttempts();
                    })
                    .recover(failure -> stopping.getAsBoolean() || StoreFailures.isOutage(failure)
                            ? Future.failedFuture(failure)
                            : deadLetters.park(projection, aggregateId, step.record(), step.events(), failure, lasting[0]));
        });
    }

    /**
     * Folds the events into the state held in memory: a duplicate or older event is skipped, the next
     * one applied; after a gap (or with nothing in memory) the state at the run's highest version is read
     * from the event store instead, once. Then the rows are written once, at the last version.
     */
    private <S> Future<Void> apply(Projection<S> projection, UUID id, List<EventEnvelope<?>> events) {
        Aggregate<S> known = states.get(projection.name(), id);
        Aggregate<S> state = known;
        boolean gap = false;
        long highest = 0;
        for (EventEnvelope<?> event : events) {
            long sequence = event.sequenceNumber();
            highest = Math.max(highest, sequence);
            if (gap) {
                continue;
            }
            if (state != null && state.version() >= sequence) {
                skippedEvents++; // a duplicate or a late event: the rows already hold a later version
            } else if ((state != null && state.version() == sequence - 1) || (state == null && sequence == 1)) {
                try {
                    state = (state != null ? state : Aggregate.empty(projection.decider(), id)).apply(projection.decider(), event);
                } catch (RuntimeException e) {
                    return Future.failedFuture(e);
                }
            } else {
                gap = true;
            }
        }
        boolean filled = gap;
        Future<Aggregate<S>> folded = gap && (known == null || known.version() < highest)
                ? stateAt(projection, id, highest) : Future.succeededFuture(state);
        Instant oldest = events.get(0).timestamp();
        return folded.compose(after -> {
            if (after == known || after == null) {
                return Future.succeededFuture();
            }
            // What the rows are known to hold: what this projection wrote, else unknown (even from the first
            // event: a server before a restart may have written them).
            Aggregate<S> previous = filled ? null : known;
            return faults.at(FaultInjector.Point.PROJECTION_WRITE, id)
                    .compose(v -> projection.write(after, previous, Projection.writeTime(after.version(), 0))).map(v -> {
                        states.put(projection.name(), after);
                        long applied = after.version() - (known == null ? 0 : known.version());
                        appliedEvents += applied;
                        lastEventTime = events.get(events.size() - 1).timestamp();
                        lastLagMs = Math.max(0, System.currentTimeMillis() - oldest.toEpochMilli());
                        metrics.projected(projection.name(), (int) applied, lastLagMs);
                        vertx.eventBus().publish(addresses.projected(),
                                new Projected(projection.aggregateType(), id, after.version(), oldest));
                        return null;
                    });
        });
    }

    /** The state after event {@code sequence}, from the event store: for a gap, or nothing in memory. */
    private <S> Future<Aggregate<S>> stateAt(Projection<S> projection, UUID id, long sequence) {
        return projections.repository(projection).loadAt(id, sequence).compose(state -> state.version() == sequence
                ? Future.succeededFuture(state)
                : Future.failedFuture(new IllegalStateException("the event store has no version " + sequence + " of "
                + id + " (it is at version " + state.version() + ")")));
    }
}
