package io.ordo.command;

import io.ordo.es.Aggregate;
import io.ordo.es.EventEnvelope;
import io.ordo.store.AppendResult;
import io.ordo.store.EventStore;
import io.ordo.store.IdempotencyKeys.KeyClaim;
import io.ordo.store.StoreRequest;
import io.ordo.store.StoreVerticle;
import io.ordo.store.UniqueValues;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The command side's requests to the store verticle, typed: every read and write a command makes. */
final class StoreClient {

    private final Vertx vertx;
    private final String address;
    private final DeliveryOptions appendOptions;

    StoreClient(Vertx vertx, String address, long appendTimeoutMs) {
        this.vertx = vertx;
        this.address = address;
        this.appendOptions = new DeliveryOptions().setSendTimeout(appendTimeoutMs);
    }

    @SuppressWarnings("unchecked")
    private <T> Future<T> ask(StoreRequest request) {
        return vertx.eventBus().<Object>request(address, request).map(message -> (T) message.body());
    }

    Future<Aggregate<Object>> load(String type, UUID id) {
        return ask(new StoreRequest.Load(type, id, null, null));
    }

    Future<Aggregate<Object>> loadAt(String type, UUID id, long version) {
        return ask(new StoreRequest.Load(type, id, version, null));
    }

    /** The aggregate of {@code type}, empty when the id is none of that type's (another type's, say). */
    Future<Optional<Aggregate<?>>> find(String type, UUID id) {
        return this.<Aggregate<?>>ask(new StoreRequest.Load(type, id, null, null)).map(Optional::<Aggregate<?>>of)
                .recover(failure -> isOtherAggregateType(failure) ? Future.succeededFuture(Optional.empty())
                        : Future.failedFuture(failure));
    }

    Future<EventStore.StreamHead> head(UUID id) {
        return ask(new StoreRequest.Head(id));
    }

    /** Answers the append's outcome; one that does not answer in time is of unknown outcome. */
    Future<AppendResult> append(String type, UUID id, long expectedVersion, List<EventEnvelope<?>> events) {
        return vertx.eventBus().<AppendResult>request(address, new StoreRequest.Append(type, id, expectedVersion, events),
                        appendOptions)
                .map(Message::body)
                .recover(failure -> Future.failedFuture(failure instanceof ReplyException reply
                        && reply.failureType() == ReplyFailure.TIMEOUT
                        ? StoreVerticle.unknownOutcome("the append did not answer within " + appendOptions.getSendTimeout() + " ms")
                        : failure));
    }

    void snapshot(Aggregate<?> aggregate) {
        vertx.eventBus().request(address, new StoreRequest.Snapshot(aggregate));
    }

    Future<KeyClaim> claimKey(KeyClaim claim) {
        return ask(new StoreRequest.ClaimKey(claim));
    }

    Future<Boolean> completeKey(String key, UUID commandId, String outcome) {
        return ask(new StoreRequest.CompleteKey(key, commandId, outcome));
    }

    Future<Boolean> markKeyUnknown(String key, UUID commandId) {
        return ask(new StoreRequest.MarkKeyUnknown(key, commandId));
    }

    Future<Boolean> takeOverKey(KeyClaim claim, UUID previousCommandId) {
        return ask(new StoreRequest.TakeOverKey(claim, previousCommandId));
    }

    Future<Boolean> releaseKey(String key, UUID commandId) {
        return ask(new StoreRequest.ReleaseKey(key, commandId));
    }

    /** The version of the last event {@code commandId} committed to the aggregate after {@code afterVersion}, or null. */
    Future<Long> findCommit(UUID aggregateId, long afterVersion, UUID commandId) {
        return ask(new StoreRequest.FindCommit(aggregateId, afterVersion, commandId));
    }

    /** The aggregate as it is once any commit still in flight on it is settled (a SERIAL read first). */
    Future<Aggregate<Object>> loadSettled(String type, UUID id) {
        return ask(new StoreRequest.LoadSettled(type, id));
    }

    Future<UniqueValues.Holder> reserveValue(String scope, String value, UniqueValues.Claim claim) {
        return ask(new StoreRequest.ReserveValue(scope, value, claim));
    }

    Future<Boolean> takeOverValue(String scope, String value, UniqueValues.Holder seen, UniqueValues.Claim claim) {
        return ask(new StoreRequest.TakeOverValue(scope, value, seen, claim));
    }

    Future<Boolean> releaseValue(String scope, String value, UniqueValues.Claim claim) {
        return ask(new StoreRequest.ReleaseValue(scope, value, claim));
    }

    Future<Boolean> releaseUnlessClaimedSince(String scope, String value, UUID owner, long version) {
        return ask(new StoreRequest.ReleaseUnlessClaimedSince(scope, value, owner, version));
    }

    /** The store refuses an id that belongs to another aggregate type as bad input. */
    static boolean isOtherAggregateType(Throwable failure) {
        return failure instanceof ReplyException reply && reply.failureCode() == StoreVerticle.BAD_REQUEST;
    }
}
