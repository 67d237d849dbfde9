package io.ordo.store;

import io.ordo.command.Addresses;
import io.ordo.es.Aggregate;
import io.ordo.ops.Logs;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Answers {@link StoreRequest}s on the store's address with the shared {@link Store}. Several
 * instances spread the requests (and the JSON work they carry) over event loops.
 * A failure is answered with a {@link ReplyException} whose failure code is {@link #UNKNOWN_OUTCOME}
 * for a commit of unknown outcome, {@link #BAD_REQUEST} for bad input, {@link #STORE_FAILURE} otherwise.
 */
public final class StoreVerticle extends VerticleBase {

    public static final int STORE_FAILURE = 500;
    public static final int BAD_REQUEST = 400;
    public static final int UNKNOWN_OUTCOME = 503;

    private static final Logger LOG = LoggerFactory.getLogger(StoreVerticle.class);

    private final Store store;
    private final Addresses addresses;
    private MessageConsumer<StoreRequest> consumer;

    public StoreVerticle(Store store, Addresses addresses) {
        this.store = store;
        this.addresses = addresses;
    }

    @Override
    public Future<?> start() {
        consumer = vertx.eventBus().localConsumer(addresses.store(), this::handle);
        return consumer.completion();
    }

    @Override
    public Future<?> stop() {
        return consumer.unregister();
    }

    private void handle(Message<StoreRequest> message) {
        Future<?> answer;
        try {
            answer = answer(message.body());
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        answer.onComplete(result -> {
            if (result.succeeded()) {
                message.reply(result.result());
            } else {
                Throwable cause = result.cause();
                int code = cause instanceof UnknownOutcomeException ? UNKNOWN_OUTCOME
                        : cause instanceof IllegalArgumentException ? BAD_REQUEST : STORE_FAILURE;
                if (code == STORE_FAILURE) {
                    Object correlation = message.body() instanceof StoreRequest.Append append
                            ? append.events().get(0).correlationId() : null;
                    Logs.correlated(correlation, () -> LOG.warn("Store request {} failed: {}",
                            message.body().getClass().getSimpleName(), cause.toString()));
                }
                message.fail(code, cause.getMessage() == null ? cause.toString() : cause.getMessage());
            }
        });
    }

    private Future<?> answer(StoreRequest request) {
        EventStore events = store.events();
        if (request instanceof StoreRequest.Append append) {
            return events.append(append.aggregateType(), append.aggregateId(), append.expectedVersion(), append.events());
        }
        if (request instanceof StoreRequest.Load load) {
            AggregateRepository<?, ?, ?> repository = store.repository(load.aggregateType());
            if (load.version() != null) {
                return repository.loadAt(load.aggregateId(), load.version());
            }
            return load.at() != null ? repository.loadAt(load.aggregateId(), load.at()) : repository.load(load.aggregateId());
        }
        if (request instanceof StoreRequest.LoadSettled load) {
            AggregateRepository<?, ?, ?> repository = store.repository(load.aggregateType());
            return events.serialHead(load.aggregateId()).compose(head -> repository.load(load.aggregateId()));
        }
        if (request instanceof StoreRequest.Head head) {
            return events.head(head.aggregateId());
        }
        if (request instanceof StoreRequest.Snapshot snapshot) {
            return snapshot(snapshot.aggregate());
        }
        if (request instanceof StoreRequest.Events page) {
            long last = page.from() > Long.MAX_VALUE - page.limit() ? Long.MAX_VALUE : page.from() + page.limit() - 1;
            return events.load(page.aggregateId(), page.from(), last).compose(found -> events.currentVersion(page.aggregateId())
                    .map(current -> new StoreRequest.EventPage(List.copyOf(found),
                            found.isEmpty() || last >= current ? null : last + 1)));
        }
        if (request instanceof StoreRequest.ClaimKey claim) {
            return store.idempotencyKeys().claim(claim.claim());
        }
        if (request instanceof StoreRequest.CompleteKey complete) {
            return store.idempotencyKeys().complete(complete.key(), complete.commandId(), complete.outcome());
        }
        if (request instanceof StoreRequest.MarkKeyUnknown unknown) {
            return store.idempotencyKeys().markUnknown(unknown.key(), unknown.commandId());
        }
        if (request instanceof StoreRequest.TakeOverKey takeOver) {
            return store.idempotencyKeys().takeOver(takeOver.claim(), takeOver.previousCommandId());
        }
        if (request instanceof StoreRequest.ReleaseKey release) {
            return store.idempotencyKeys().release(release.key(), release.commandId());
        }
        if (request instanceof StoreRequest.FindCommit find) {
            return events.findCommit(find.aggregateId(), find.afterVersion(), find.commandId());
        }
        if (request instanceof StoreRequest.ReserveValue reserve) {
            return store.uniqueValues().reserve(reserve.scope(), reserve.value(), reserve.claim());
        }
        if (request instanceof StoreRequest.TakeOverValue takeOver) {
            return store.uniqueValues().takeOver(takeOver.scope(), takeOver.value(), takeOver.seen(), takeOver.claim());
        }
        if (request instanceof StoreRequest.ReleaseValue release) {
            return store.uniqueValues().release(release.scope(), release.value(), release.claim());
        }
        if (request instanceof StoreRequest.ReleaseUnlessClaimedSince release) {
            return store.uniqueValues().releaseUnlessClaimedSince(release.scope(), release.value(), release.owner(),
                    release.version());
        }
        if (request instanceof StoreRequest.Query query) {
            return store.query(query.aggregateType(), query.name()).run(query.params());
        }
        throw new IllegalArgumentException("unknown store request " + request);
    }

    @SuppressWarnings("unchecked")
    private <S> Future<Void> snapshot(Aggregate<S> aggregate) {
        return ((AggregateRepository<S, ?, ?>) store.repository(aggregate.type())).snapshot(aggregate);
    }

    /** Whether a failed store request left the outcome unknown (a commit that timed out). */
    public static boolean isUnknownOutcome(Throwable failure) {
        return failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                && reply.failureCode() == UNKNOWN_OUTCOME;
    }

    /** The failure of an append request that got no answer in time: the commit may still land. */
    public static ReplyException unknownOutcome(String detail) {
        return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, UNKNOWN_OUTCOME, detail);
    }
}
