package io.ordo.command;

/** Every event-bus address Ordo uses. */
public final class Addresses {

    private Addresses() {
    }

    /** The store verticle: every read and write of the database. */
    public static final String STORE = "ordo.store";

    /** Hints for the outbox relay, right after each local commit (the fast path). */
    public static final String RELAY = "ordo.relay";

    /** Operations on dead letters: {@code {"action": "list" | "retry" | "discard", "aggregateId"}}. */
    public static final String DEAD_LETTERS = "ordo.relay.dead-letters";

    /** The relay's state (its circuit breaker), as JSON. */
    public static final String RELAY_STATUS = "ordo.relay.status";

    /** Operations on the projections: {@code {"action": "status" | "rebuild" | "retry", "projection", "aggregateId"}}. */
    public static final String PROJECTIONS = "ordo.projections";

    /** What the projections wrote: a {@code Projected} for each aggregate version, published locally. */
    public static final String PROJECTED = "ordo.projected";

    /** Commands for the aggregates of {@code type} owned by aggregate verticle {@code shard}. */
    public static String commands(String aggregateType, int shard) {
        return "ordo.cmd." + aggregateType + "." + shard;
    }

    /** Committed events of {@code type}, published as they happen (local to this instance). */
    public static String live(String aggregateType) {
        return "ordo.live." + aggregateType;
    }
}
