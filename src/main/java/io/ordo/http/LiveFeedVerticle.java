package io.ordo.http;

import io.ordo.command.Addresses;
import io.ordo.config.OrdoConfig;
import io.ordo.module.Modules;
import io.ordo.ops.OrdoMetrics;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializationException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Feeds the WebSocket clients of this instance with what the relay published, whichever instance
 * committed it: consumes the event topics from their end (a consumer group of its own, so every
 * instance sees everything) and republishes each envelope on its type's live address. At-least-once
 * upstream means a feed of all orders may repeat an event; a feed of one order drops repeats.
 */
public final class LiveFeedVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(LiveFeedVerticle.class);

    private final OrdoConfig config;
    private final Modules modules;
    private final Addresses addresses;
    private final OrdoMetrics metrics;
    private KafkaConsumer<String, String> consumer;

    /** Partitions seen assigned once: only a first assignment starts from this verticle's start. */
    private final Set<TopicPartition> assigned = new HashSet<>();

    public LiveFeedVerticle(OrdoConfig config, Modules modules, Addresses addresses, OrdoMetrics metrics) {
        this.config = config;
        this.modules = modules;
        this.addresses = addresses;
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        EnvelopeCodec codec = modules.codec();
        consumer = KafkaConsumer.create(vertx, config.relay().kafkaClient(Map.of(
                "group.id", "ordo-live-" + UUID.randomUUID(),
                "auto.offset.reset", "latest",
                "enable.auto.commit", "false",
                // A module's topic appears with its first event, maybe after this start: found within seconds.
                "metadata.max.age.ms", "3000",
                "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer")));
        consumer.exceptionHandler(e -> LOG.debug("Live feed consumer: {}", e.toString()));
        // A new group joins a while after start, and "latest" would then skip what was published meanwhile
        // (a feed that caught up from the store just before would miss it): each partition starts at the
        // first record published since this verticle started.
        long startedAt = System.currentTimeMillis();
        consumer.partitionsAssignedHandler(partitions -> {
            Map<TopicPartition, Long> since = new HashMap<>();
            partitions.stream().filter(assigned::add).forEach(partition -> since.put(partition, startedAt));
            if (!since.isEmpty()) {
                consumer.offsetsForTimes(since).onSuccess(offsets -> offsets.forEach((partition, offset) -> {
                    if (offset != null) {
                        consumer.seek(partition, offset.getOffset());
                    }
                })).onFailure(e -> LOG.debug("Live feed: no offsets since start: {}", e.toString()));
            }
        });
        consumer.handler(record -> {
            if (metrics.webSocketClients() == 0) {
                return; // nobody listens here: a feed opened later starts from then (or from the store)
            }
            try {
                EventEnvelope<?> event = codec.decode(record.value());
                vertx.eventBus().publish(addresses.live(event.aggregateType()), event);
            } catch (EventSerializationException e) {
                LOG.warn("Skipping a record of {} that is not an envelope: {}", record.topic(), e.getMessage());
            }
        });
        return consumer.subscribe(Set.copyOf(modules.topics().values()));
    }

    @Override
    public Future<?> stop() {
        return consumer.close();
    }
}
