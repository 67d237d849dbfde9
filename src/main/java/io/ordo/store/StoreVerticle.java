package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import io.ordo.command.Addresses;
import io.ordo.domain.DomainEvents;
import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.order.OrderDecider;
import io.ordo.es.Aggregate;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventSerializer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Owns the database session: applies the schema at start, then answers {@link StoreRequest}s on
 * {@link Addresses#STORE}. Every call is asynchronous on the driver, so one instance serves all.
 * A failure is answered with a {@link ReplyException} whose failure code is {@link #UNKNOWN_OUTCOME}
 * for a commit of unknown outcome, {@link #BAD_REQUEST} for bad input, {@link #STORE_FAILURE} otherwise.
 */
public final class StoreVerticle extends VerticleBase {

    public static final int STORE_FAILURE = 500;
    public static final int BAD_REQUEST = 400;
    public static final int UNKNOWN_OUTCOME = 503;

    private static final Logger LOG = LoggerFactory.getLogger(StoreVerticle.class);

    private final StoreConfig config;
    private final FaultInjector faults;
    private CqlSession session;
    private EventStore store;
    private Map<String, AggregateRepository<?, ?, ?>> repositories;
    private ProcessedCommands processedCommands;
    private EmailReservations emails;
    private MessageConsumer<StoreRequest> consumer;

    public StoreVerticle(StoreConfig config, FaultInjector faults) {
        this.config = config;
        this.faults = faults;
    }

    @Override
    public Future<?> start() {
        return CqlSessions.open(vertx, config)
                .compose(opened -> {
                    session = opened;
                    return new SchemaApplier(vertx, session, config).apply();
                })
                .compose(v -> Statements.prepare(vertx, session, config.keyspace()))
                .compose(statements -> {
                    store = new EventStore(vertx, session, statements, config, new EventSerializer(DomainEvents.registry()),
                            faults);
                    repositories = Map.of(
                            OrderDecider.AGGREGATE_TYPE, repository(statements, new OrderDecider()),
                            CustomerDecider.AGGREGATE_TYPE, repository(statements, new CustomerDecider()));
                    processedCommands = new ProcessedCommands(vertx, session, statements);
                    emails = new EmailReservations(vertx, session, statements);
                    consumer = vertx.eventBus().localConsumer(Addresses.STORE, this::handle);
                    return consumer.completion();
                })
                .onSuccess(v -> LOG.info("Store ready: keyspace {} on {}", config.keyspace(), config.contactPoints().stream()
                        .map(point -> point.getHostString() + ":" + point.getPort()).toList()));
    }

    private <S, C, E extends DomainEvent> AggregateRepository<S, C, E> repository(
            Statements statements, Decider<S, C, E> decider) {
        return new AggregateRepository<>(vertx, session, statements, store, decider);
    }

    @Override
    public Future<?> stop() {
        Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
        return unregistered.compose(v -> session == null ? Future.succeededFuture()
                : Future.fromCompletionStage(session.closeAsync(), context));
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
                    LOG.warn("Store request {} failed: {}", message.body().getClass().getSimpleName(), cause.toString());
                }
                message.fail(code, cause.getMessage() == null ? cause.toString() : cause.getMessage());
            }
        });
    }

    private Future<?> answer(StoreRequest request) {
        if (request instanceof StoreRequest.Append append) {
            return store.append(append.aggregateType(), append.aggregateId(), append.expectedVersion(), append.events());
        }
        if (request instanceof StoreRequest.Load load) {
            AggregateRepository<?, ?, ?> repository = repository(load.aggregateType());
            if (load.version() != null) {
                return repository.loadAt(load.aggregateId(), load.version());
            }
            return load.at() != null ? repository.loadAt(load.aggregateId(), load.at()) : repository.load(load.aggregateId());
        }
        if (request instanceof StoreRequest.Snapshot snapshot) {
            return snapshot(snapshot.aggregate());
        }
        if (request instanceof StoreRequest.Events events) {
            long last = events.from() + events.limit() - 1;
            return store.load(events.aggregateId(), events.from(), last).compose(page -> store.currentVersion(events.aggregateId())
                    .map(current -> new StoreRequest.EventPage(List.copyOf(page), last < current ? last + 1 : null)));
        }
        if (request instanceof StoreRequest.FindCommand find) {
            return processedCommands.find(find.key());
        }
        if (request instanceof StoreRequest.RecordCommand record) {
            return processedCommands.record(record.command());
        }
        if (request instanceof StoreRequest.ReserveEmail reserve) {
            return emails.reserve(reserve.email(), reserve.customerId());
        }
        if (request instanceof StoreRequest.ReleaseEmail release) {
            return emails.release(release.email(), release.customerId());
        }
        throw new IllegalArgumentException("unknown store request " + request);
    }

    @SuppressWarnings("unchecked")
    private <S> Future<Void> snapshot(Aggregate<S> aggregate) {
        return ((AggregateRepository<S, ?, ?>) repository(aggregate.type())).snapshot(aggregate);
    }

    private AggregateRepository<?, ?, ?> repository(String aggregateType) {
        AggregateRepository<?, ?, ?> repository = repositories.get(aggregateType);
        if (repository == null) {
            throw new IllegalArgumentException("unknown aggregate type " + aggregateType);
        }
        return repository;
    }

    /** Whether a failed store request left the outcome unknown (a commit that timed out). */
    public static boolean isUnknownOutcome(Throwable failure) {
        return failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                && reply.failureCode() == UNKNOWN_OUTCOME;
    }
}
