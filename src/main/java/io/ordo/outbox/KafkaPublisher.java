package io.ordo.outbox;

import io.ordo.config.OrdoConfig;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
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
    private final int maxRecordBytes;

    KafkaPublisher(Vertx vertx, OrdoConfig.Relay config, EnvelopeCodec codec) {
        this.codec = codec;
        this.maxRecordBytes = config.maxRecordBytes();
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
                        // No retry inside the breaker: a retried send could land behind the aggregate's later
                        // sends already in flight. The relay retries a failed page as a whole, in order.
                        .setMaxRetries(0))
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

    /** A record ready to send, or the reason it can never be sent. */
    record Prepared(EventEnvelope<?> event, KafkaProducerRecord<String, String> record, String refusal) {
    }

    /**
     * Makes the event's record. One larger than {@code relay.maxRecordBytes} is refused here, before
     * anything is sent, as the producer itself would refuse it: the relay pipelines an aggregate's sends,
     * and a refusal after its successors went out would put them on Kafka first. (A topic whose own limit
     * is lower than {@code relay.maxRecordBytes} refuses on the broker, after the rest of the page may
     * have gone: keep the setting at or below the topics' {@code max.message.bytes}.)
     */
    Prepared prepare(EventEnvelope<?> event, String topic) {
        KafkaProducerRecord<String, String> record = record(event, topic);
        int size = serializedSize(record);
        return size <= maxRecordBytes ? new Prepared(event, record, null) : new Prepared(event, null,
                "RecordTooLargeException: the record is " + size + " bytes when serialized, more than relay.maxRecordBytes ("
                        + maxRecordBytes + ")");
    }

    /** Sends a prepared record through the breaker: sent, refused for good, or failed (an outage). */
    Future<Outcome> publish(Prepared prepared) {
        if (prepared.refusal() != null) {
            return Future.succeededFuture(new Outcome(prepared.refusal()));
        }
        return breaker.execute(() -> producer.send(prepared.record()).map(sent -> Outcome.SENT)
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

    /** The size the producer checks against max.request.size, computed as it does. */
    private static int serializedSize(KafkaProducerRecord<String, String> record) {
        Header[] headers = record.headers().stream()
                .map(header -> new RecordHeader(header.key(), header.value().getBytes()))
                .toArray(Header[]::new);
        return AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.LZ4,
                record.key().getBytes(StandardCharsets.UTF_8), record.value().getBytes(StandardCharsets.UTF_8), headers);
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

    /** Closes the producer, giving what it still holds at most {@code timeoutMs} to reach Kafka. */
    Future<Void> close(long timeoutMs) {
        breaker.close();
        return producer.close(timeoutMs);
    }
}
