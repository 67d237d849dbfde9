package io.ordo.store;

import io.ordo.es.Aggregate;
import io.ordo.es.EventEnvelope;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** What the {@link StoreVerticle} is asked over the event bus; each record says what it answers. */
public sealed interface StoreRequest {

    /** Answers an {@link AppendResult}. */
    record Append(String aggregateType, UUID aggregateId, long expectedVersion, List<EventEnvelope<?>> events)
            implements StoreRequest {
    }

    /** Answers the {@link Aggregate} now, at {@code version} or at {@code at} (both null: now). */
    record Load(String aggregateType, UUID aggregateId, Long version, Instant at) implements StoreRequest {
    }

    /** Answers the {@link Aggregate} as it is once any commit still in flight on it is settled (a SERIAL read of its head first). */
    record LoadSettled(String aggregateType, UUID aggregateId) implements StoreRequest {
    }

    /** Answers the stream's {@link EventStore.StreamHead}: its version and aggregate type. */
    record Head(UUID aggregateId) implements StoreRequest {
    }

    /** Answers nothing; a failure is logged by the store. */
    record Snapshot(Aggregate<?> aggregate) implements StoreRequest {
    }

    /** Answers an {@link EventPage}: up to {@code limit} events from {@code from}. */
    record Events(UUID aggregateId, long from, int limit) implements StoreRequest {
    }

    /** Answers the claim already made under the key ({@link IdempotencyKeys.KeyClaim}), or null when this one is made. */
    record ClaimKey(IdempotencyKeys.KeyClaim claim) implements StoreRequest {
    }

    /** Answers whether the key's claim was still {@code commandId}'s, and is now done with {@code outcome}. */
    record CompleteKey(String key, UUID commandId, String outcome) implements StoreRequest {
    }

    /** Answers whether the key's claim was still {@code commandId}'s, and now says its commit's outcome is unknown. */
    record MarkKeyUnknown(String key, UUID commandId) implements StoreRequest {
    }

    /** Answers whether {@code claim} replaced the claim of {@code previousCommandId} (nothing of which was committed). */
    record TakeOverKey(IdempotencyKeys.KeyClaim claim, UUID previousCommandId) implements StoreRequest {
    }

    /** Answers whether the key's claim was {@code commandId}'s and is gone (its command surely not committed). */
    record ReleaseKey(String key, UUID commandId) implements StoreRequest {
    }

    /**
     * Answers the version of the last event command {@code commandId} committed to the aggregate after
     * {@code afterVersion}, or null: read after a SERIAL read of the head, so a commit in flight is settled first.
     */
    record FindCommit(UUID aggregateId, long afterVersion, UUID commandId) implements StoreRequest {
    }

    /** Answers the {@link UniqueValues.Holder} that already has the value, or null when {@code claim} stamped it now. */
    record ReserveValue(String scope, String value, UniqueValues.Claim claim) implements StoreRequest {
    }

    /** Answers whether the value passed from {@code seen} (still its holder) to {@code claim}. */
    record TakeOverValue(String scope, String value, UniqueValues.Holder seen, UniqueValues.Claim claim)
            implements StoreRequest {
    }

    /** Answers whether {@code claim} stamped the value last and it is free now. */
    record ReleaseValue(String scope, String value, UniqueValues.Claim claim) implements StoreRequest {
    }

    /** Answers whether the value, which {@code owner} no longer holds at {@code version}, is free now (see {@link UniqueValues}). */
    record ReleaseUnlessClaimedSince(String scope, String value, UUID owner, long version) implements StoreRequest {
    }

    /** Answers the JSON of the module's read-model query {@code name} (null: nothing found). */
    record Query(String aggregateType, String name, JsonObject params) implements StoreRequest {
    }

    /** A page of a stream; {@code next} is the version to ask for next, or null at the end. */
    record EventPage(List<EventEnvelope<?>> events, Long next) {
    }
}
