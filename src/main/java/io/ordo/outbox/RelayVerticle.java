package io.ordo.outbox;

import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.domain.DomainEvents;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventSerializer;
import io.ordo.store.Dialect;
import io.ordo.store.Store;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox relay: takes hints from the store's fast path (right after each local commit, on
 * {@link Addresses#RELAY}) and from the durable source, and publishes what is committed to Kafka.
 */
public final class RelayVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(RelayVerticle.class);

    private final OrdoConfig config;
    private final Store store;
    private KafkaPublisher publisher;
    private PollingOutboxSource source;
    private MessageConsumer<OutboxHint> fastPath;
    private MessageConsumer<Object> status;

    public RelayVerticle(OrdoConfig config, Store store) {
        this.config = config;
        this.store = store;
    }

    @Override
    public Future<?> start() {
        publisher = new KafkaPublisher(vertx, config.relay(), new EnvelopeCodec(new EventSerializer(DomainEvents.registry())));
        OutboxRelay relay = new OutboxRelay(vertx, store.events(), store.outbox(), config.store(), config.relay(), publisher);
        fastPath = vertx.eventBus().localConsumer(Addresses.RELAY, hint -> {
            if (config.relay().fastPath()) {
                relay.settle(hint.body());
            }
        });
        status = vertx.eventBus().localConsumer(Addresses.RELAY_STATUS,
                request -> request.reply(new JsonObject().put("breaker", publisher.state().name())));
        if (config.store().dialect() != Dialect.CASSANDRA) {
            LOG.warn("No durable outbox source for {} yet (the CDC source is to come): the relay runs on the fast path only",
                    config.store().dialect());
            return fastPath.completion();
        }
        source = new PollingOutboxSource(vertx, store.outbox(), config.relay(), relay::settle);
        return fastPath.completion().compose(v -> source.start())
                .onSuccess(v -> LOG.info("Relay publishing to Kafka at {}", config.relay().bootstrapServers()));
    }

    @Override
    public Future<?> stop() {
        if (source != null) {
            source.stop();
        }
        return status.unregister().compose(v -> fastPath.unregister()).eventually(() -> publisher.close());
    }
}
