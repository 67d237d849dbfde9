package io.ordo.command;

/**
 * Every event-bus address of one Ordo, under its prefix ({@code eventBus.prefix}, {@code ordo} by
 * default): two Ordo deployments in one Vert.x, or a host's own consumers, never meet.
 */
public final class Addresses {

    private final String prefix;

    public Addresses(String prefix) {
        if (prefix == null || !prefix.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("eventBus.prefix must be 1 to 64 letters, digits, '.', '_' or '-', was " + prefix);
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** The store verticle: every read and write of the database. */
    public String store() {
        return prefix + ".store";
    }

    /** Hints for the outbox relay, right after each local commit (the fast path). */
    public String relay() {
        return prefix + ".relay";
    }

    /** Operations on dead letters: {@code {"action": "list" | "retry" | "discard", "aggregateId"}}. */
    public String deadLetters() {
        return prefix + ".relay.dead-letters";
    }

    /** The relay's state (its circuit breaker), as JSON. */
    public String relayStatus() {
        return prefix + ".relay.status";
    }

    /** Operations on the projections: {@code {"action": "status" | "rebuild" | "retry", "projection", "aggregateId"}}. */
    public String projections() {
        return prefix + ".projections";
    }

    /** What the projections wrote: a {@code Projected} for each aggregate version, published locally. */
    public String projected() {
        return prefix + ".projected";
    }

    /** Commands for the aggregates of {@code type} owned by shard {@code shard}. */
    public String commands(String aggregateType, int shard) {
        return prefix + ".cmd." + aggregateType + "." + shard;
    }

    /** Ownership changes, published locally to what takes shards (the command processors, the relay). */
    public String ownership() {
        return prefix + ".cluster.ownership";
    }

    /** Hints forwarded to the relay of cluster member {@code member}, the owner of their shard. */
    public String relayOf(String member) {
        return prefix + ".relay.member." + member;
    }

    /** Committed events of {@code type}, published as they happen (local to this instance). */
    public String live(String aggregateType) {
        return prefix + ".live." + aggregateType;
    }
}
