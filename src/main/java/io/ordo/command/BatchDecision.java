package io.ordo.command;

import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventEnvelope;
import io.ordo.es.Rejection;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Deciding a batch of commands for one aggregate, in order, each on the state the ones before it left
 * (group commit): pure, so that its rules are unit-tested. A rejected command changes nothing and does
 * not sink the others; a command refused before deciding (a precondition across aggregates, a unique
 * value another aggregate holds) stays refused; an {@code If-Match} is checked against the version the
 * commands before it reached.
 */
final class BatchDecision {

    private BatchDecision() {
    }

    /** One command to decide; {@code refused} is a rejection found before deciding, or null. */
    record Command(Object command, CommandMetadata metadata, Long expectedVersion, Rejection refused) {
    }

    /** What became of one command. */
    sealed interface Outcome {

        /** Accepted: its events (none: nothing to change) and the aggregate after them. */
        record Accepted(List<EventEnvelope<DomainEvent>> events, Aggregate<Object> after) implements Outcome {
        }

        record Rejected(Rejection rejection) implements Outcome {
        }

        /** The client's If-Match named another version than the one the command met. */
        record VersionMismatch(long expected, long current) implements Outcome {
        }
    }

    /** Every command's outcome, in order, and the aggregate after the last accepted one. */
    record Result(List<Outcome> outcomes, Aggregate<Object> after) {

        /** The events of every accepted command, in order: what the batch appends. */
        List<EventEnvelope<?>> events() {
            List<EventEnvelope<?>> events = new ArrayList<>();
            for (Outcome outcome : outcomes) {
                if (outcome instanceof Outcome.Accepted accepted) {
                    events.addAll(accepted.events());
                }
            }
            return events;
        }
    }

    static Result decide(Decider<Object, Object, DomainEvent> decider, Aggregate<Object> base, List<Command> commands,
                         Instant now) {
        List<Outcome> outcomes = new ArrayList<>(commands.size());
        Aggregate<Object> working = base;
        for (Command command : commands) {
            if (command.expectedVersion() != null && command.expectedVersion() != working.version()) {
                outcomes.add(new Outcome.VersionMismatch(command.expectedVersion(), working.version()));
                continue;
            }
            if (command.refused() != null) {
                outcomes.add(new Outcome.Rejected(command.refused()));
                continue;
            }
            var execution = working.execute(decider, command.command(), command.metadata(), now);
            if (execution instanceof Aggregate.Execution.Rejected<Object, DomainEvent> rejected) {
                outcomes.add(new Outcome.Rejected(rejected.rejection()));
                continue;
            }
            var applied = (Aggregate.Execution.Applied<Object, DomainEvent>) execution;
            outcomes.add(new Outcome.Accepted(applied.events(), applied.after()));
            working = applied.after();
        }
        return new Result(outcomes, working);
    }
}
