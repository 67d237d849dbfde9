package io.ordo.outbox;

import io.ordo.config.OrdoConfig;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Sends envelopes to Kafka (acks=all, idempotent, compressed), each send through a circuit breaker
 * with exponential backoff and jitter. Key: the aggregate id (one partition per aggregate keeps its
 * order); value: the JSON envelope; headers: ids and types.
 */
final class KafkaPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);

    private final KafkaProducer<String, String> producer;
    private final CircuitBreaker breaker;
    private final EnvelopeCodec codec;

    KafkaPublisher(Vertx vertx, OrdoConfig.Relay config, EnvelopeCodec codec) {
        this.codec = codec;
        this.producer = KafkaProducer.create(vertx, config.kafkaClient(Map.ofEntries(
                Map.entry("key.serializer", "org.apache.kafka.common.serialization.StringSerializer"),
                Map.entry("value.serializer", "org.apache.kafka.common.serialization.StringSerializer"),
                Map.entry("acks", "all"),
                Map.entry("enable.idempotence", "true"),
                Map.entry("compression.type", "lz4"),
                Map.entry("linger.ms", "2"),
                Map.entry("max.request.size", Integer.toString(config.maxRecordBytes())),
                // A send waits at most this long for a broker; the breaker and the relay retry.
                Map.entry("max.block.ms", "5000"),
                // Fail fast enough for the breaker to notice an outage within seconds.
                Map.entry("request.timeout.ms", "3000"),
                Map.entry("delivery.timeout.ms", "4000"))));
        // Send failures are answered through each send's future; this only keeps them out of the error log.
        producer.exceptionHandler(e -> LOG.debug("Kafka producer: {}", e.toString()));
        this.breaker = CircuitBreaker.create("ordo-kafka", vertx, new CircuitBreakerOptions()
                        .setMaxFailures(config.breakerMaxFailures())
                        .setTimeout(10_000)
                        .setResetTimeout(config.breakerResetTimeoutMs())
                        .setMaxRetries(1))
                .retryPolicy(RetryPolicy.exponentialDelayWithJitter(100, 2_000))
                .openHandler(v -> LOG.warn("Kafka circuit breaker open: the relay pauses"))
                .halfOpenHandler(v -> LOG.info("Kafka circuit breaker half-open: trying Kafka again"))
                .closeHandler(v -> LOG.info("Kafka circuit breaker closed: publishing"));
    }

    /** A publication's outcome: sent, or refused for good (never an outage: the breaker does not count it). */
    record Outcome(String refusal) {
        static final Outcome SENT = new Outcome(null);

        boolean sent() {
            return refusal == null;
        }
    }

    Future<Outcome> publish(EventEnvelope<?> event, String topic) {
        return breaker.execute(() -> producer.send(record(event, topic)).map(sent -> Outcome.SENT)
                .recover(failure -> isPermanent(failure)
                        ? Future.succeededFuture(new Outcome(failure.getClass().getSimpleName() + ": " + failure.getMessage()))
                        : Future.failedFuture(failure)));
    }

    /** Failures that no retry can cure: the record itself is unacceptable. */
    private static boolean isPermanent(Throwable failure) {
        return failure instanceof RecordTooLargeException || failure instanceof RecordBatchTooLargeException
                || failure instanceof InvalidTopicException || failure instanceof SerializationException;
    }

    CircuitBreakerState state() {
        return breaker.state();
    }

    private KafkaProducerRecord<String, String> record(EventEnvelope<?> event, String topic) {
        KafkaProducerRecord<String, String> record =
                KafkaProducerRecord.create(topic, event.aggregateId().toString(), codec.encode(event));
        record.addHeader("event_id", event.eventId().toString());
        record.addHeader("event_type", event.eventType());
        record.addHeader("event_version", Integer.toString(event.eventVersion()));
        record.addHeader("sequence_number", Long.toString(event.sequenceNumber()));
        record.addHeader("correlation_id", event.correlationId().toString());
        if (event.causationId() != null) {
            record.addHeader("causation_id", event.causationId().toString());
        }
        return record;
    }

    Future<Void> close() {
        breaker.close();
        return producer.close();
    }
}
