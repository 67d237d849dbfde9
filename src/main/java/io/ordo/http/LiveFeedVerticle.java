package io.ordo.http;

import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.domain.DomainEvents;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializer;
import io.ordo.es.EventSerializationException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.Map;
import java.util.UUID;

/**
 * Feeds the WebSocket clients of this instance with what the relay published, whichever instance
 * committed it: consumes the event topics from their end (a consumer group of its own, so every
 * instance sees everything) and republishes each envelope on {@link Addresses#live}. At-least-once
 * upstream means a feed of all orders may repeat an event; a feed of one order drops repeats.
 */
public final class LiveFeedVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(LiveFeedVerticle.class);

    private final OrdoConfig config;
    private KafkaConsumer<String, String> consumer;

    public LiveFeedVerticle(OrdoConfig config) {
        this.config = config;
    }

    @Override
    public Future<?> start() {
        EnvelopeCodec codec = new EnvelopeCodec(new EventSerializer(DomainEvents.registry()));
        consumer = KafkaConsumer.create(vertx, config.relay().kafkaClient(Map.of(
                "group.id", "ordo-live-" + UUID.randomUUID(),
                "auto.offset.reset", "latest",
                "enable.auto.commit", "false",
                "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer")));
        consumer.exceptionHandler(e -> LOG.debug("Live feed consumer: {}", e.toString()));
        consumer.handler(record -> {
            try {
                EventEnvelope<?> event = codec.decode(record.value());
                vertx.eventBus().publish(Addresses.live(event.aggregateType()), event);
            } catch (EventSerializationException e) {
                LOG.warn("Skipping a record of {} that is not an envelope: {}", record.topic(), e.getMessage());
            }
        });
        return consumer.subscribe(Set.copyOf(config.store().topics().values()));
    }

    @Override
    public Future<?> stop() {
        return consumer.close();
    }
}
