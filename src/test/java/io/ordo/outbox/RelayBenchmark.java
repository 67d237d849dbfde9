package io.ordo.outbox;

import io.ordo.config.OrdoConfig;
import io.ordo.testing.StoreFixture;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.es.CommandMetadata;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.es.EventSerializer;
import io.ordo.ops.OrdoMetrics;
import io.ordo.store.Store;
import io.ordo.store.FaultInjector;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.StoreFixture;
import io.ordo.testing.TestKafka;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.ordo.testing.StoreFixture.await;

/**
 * The relay against the embedded Cassandra and Kafka, side by side in one run:
 * <ol>
 *   <li>commit-to-visible latency (HTTP answer to a plain consumer's receipt), with the fast path
 *       and with the polling source alone;</li>
 *   <li>draining a backlog through the relay vs a raw Kafka producer sending the same records.</li>
 * </ol>
 * {@code mvn -Pbench test-compile exec:exec -Dbench.main=io.ordo.outbox.RelayBenchmark}
 */
public final class RelayBenchmark {

    private static final int LATENCY_SAMPLES = 150;
    private static final int BACKLOG_AGGREGATES = 400;
    private static final int EVENTS_PER_AGGREGATE = 5;
    private static final int HOT_EVENTS = 20_000;

    public static void main(String[] args) throws Exception {
        String servers = TestKafka.bootstrapServers();
        double[] fast;
        double[] polling;
        try (OrdoFixture withFastPath = OrdoFixture.start(RelayBenchmark.class, relay(servers, true))) {
            fast = latencies(withFastPath, servers);
        }
        try (OrdoFixture pollingOnly = OrdoFixture.start(PollingOnly.class, relay(servers, false))) {
            polling = latencies(pollingOnly, servers);
        }
        double[] drain = drain(servers);
        double[] hot = hotDrain(servers);

        System.out.println();
        System.out.println("== Ordo relay benchmark (embedded Cassandra and Kafka, same run) ==");
        System.out.printf("commit -> visible, fast path        p50 %7.1f ms  p99 %7.1f ms (target p99 < 500 ms)%n", fast[0], fast[1]);
        System.out.printf("commit -> visible, polling only     p50 %7.1f ms  p99 %7.1f ms%n", polling[0], polling[1]);
        System.out.printf("raw Kafka producer, same records    %7.0f events/s%n", drain[1]);
        System.out.printf("relay draining a backlog            %7.0f events/s   = %.2fx raw (target >= 0.5)%n",
                drain[0], drain[0] / drain[1]);
        System.out.printf("raw producer, one aggregate's %d    %7.0f events/s%n", HOT_EVENTS, hot[1]);
        System.out.printf("relay draining one hot aggregate    %7.0f events/s   = %.2fx raw%n", hot[0], hot[0] / hot[1]);
        System.exit(0);
    }

    /** A second keyspace for the server without the fast path. */
    private static final class PollingOnly {
    }

    private static JsonObject relay(String servers, boolean fastPath) {
        return new JsonObject()
                .put("store", new JsonObject().put("requestTimeoutMs", 2_000))
                .put("relay", new JsonObject().put("enabled", true).put("fastPath", fastPath)
                        .put("bootstrapServers", servers).put("pollIntervalMs", 100).put("pollDelayMs", 2_000));
    }

    /** p50 and p99 of HTTP answer to consumer receipt, one command at a time, in milliseconds. */
    private static double[] latencies(OrdoFixture ordo, String servers) throws Exception {
        Http http = new Http(ordo.client);
        String customer = http.customer("bench-" + UUID.randomUUID() + "@example.com");
        Map<String, Long> received = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread consumer = new Thread(() -> {
            try (KafkaConsumer<String, String> kafka = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                    ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"), new StringDeserializer(), new StringDeserializer())) {
                kafka.subscribe(List.of("order-events"));
                while (running.get()) {
                    for (ConsumerRecord<String, String> record : kafka.poll(Duration.ofMillis(20))) {
                        received.putIfAbsent(new String(record.headers().lastHeader("event_id").value()), System.nanoTime());
                    }
                }
            }
        });
        consumer.start();
        Thread.sleep(3_000); // the consumer joins its group before anything is sent
        Map<String, Long> committed = new ConcurrentHashMap<>();
        for (int i = 0; i < LATENCY_SAMPLES; i++) {
            JsonObject created = http.post("/orders", new JsonObject().put("customerId", customer).put("items", new JsonArray()
                    .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1)))).bodyAsJsonObject();
            long at = System.nanoTime();
            String id = created.getString("orderId");
            JsonObject event = http.get("/orders/" + id + "/events").bodyAsJsonObject().getJsonArray("events").getJsonObject(0);
            committed.put(event.getString("eventId"), at);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!received.keySet().containsAll(committed.keySet()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        running.set(false);
        consumer.join();
        List<Double> ms = new ArrayList<>();
        committed.forEach((eventId, at) -> {
            Long seen = received.get(eventId);
            if (seen != null) {
                ms.add(Math.max(0, seen - at) / 1e6);
            }
        });
        Collections.sort(ms);
        return new double[]{ms.get(ms.size() / 2), ms.get((int) (ms.size() * 0.99))};
    }

    /** Events per second: the relay draining a stored backlog, and a raw producer sending the same records. */
    private static double[] drain(String servers) {
        try (StoreFixture fixture = StoreFixture.create(RelayBenchmark.class, 100)) {
            Store store = fixture.store;
            List<UUID> ids = new ArrayList<>();
            List<Future<?>> seeded = new ArrayList<>();
            for (int i = 0; i < BACKLOG_AGGREGATES; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                List<OrderEvent> events = new ArrayList<>();
                events.add(new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1))));
                for (int k = 1; k < EVENTS_PER_AGGREGATE; k++) {
                    events.add(new OrderEvent.OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), k + 1)), "bench"));
                }
                seeded.add(store.events().append("Order", id, 0, events, CommandMetadata.system()));
            }
            await(Future.all(seeded), Duration.ofSeconds(120));

            OrdoConfig.Relay config = OrdoConfig.fromJson(relay(servers, true).put("mode", "external")).relay();
            EnvelopeCodec codec = StoreFixture.BUILT_IN.codec();
            // The relay lives on one context, as in its verticle: made there, and called there only.
            io.vertx.core.Context context = fixture.vertx.getOrCreateContext();
            Promise<KafkaPublisher> publisherMade = Promise.promise();
            Promise<OutboxRelay> made = Promise.promise();
            context.runOnContext(v -> {
                KafkaPublisher created = new KafkaPublisher(fixture.vertx, config, codec);
                publisherMade.complete(created);
                made.complete(new OutboxRelay(fixture.vertx, store.events(), store.outbox(), StoreFixture.BUILT_IN::topicOf, config, created,
                        FaultInjector.NONE, new OrdoMetrics()));
            });
            KafkaPublisher publisher = await(publisherMade.future());
            OutboxRelay relay = await(made.future());
            Promise<Void> started = Promise.promise();
            context.runOnContext(v -> relay.start().onComplete(started));
            await(started.future());
            Promise<Void> drained = Promise.promise();
            long start = System.nanoTime();
            context.runOnContext(v -> {
                List<Future<Void>> settled = new ArrayList<>();
                for (UUID id : ids) {
                    settled.add(relay.settle(OutboxHint.of(id, EVENTS_PER_AGGREGATE, System.currentTimeMillis())));
                }
                Future.all(settled).<Void>mapEmpty().onComplete(drained);
            });
            await(drained.future(), Duration.ofSeconds(120));
            double relayRate = BACKLOG_AGGREGATES * EVENTS_PER_AGGREGATE / ((System.nanoTime() - start) / 1e9);

            List<EventEnvelope<?>> records = new ArrayList<>();
            for (UUID id : ids) {
                records.addAll(await(store.events().load(id)));
            }
            KafkaProducer<String, String> raw = KafkaProducer.create(fixture.vertx, Map.of(
                    "bootstrap.servers", servers, "acks", "all", "enable.idempotence", "true", "compression.type", "lz4",
                    "linger.ms", "2",
                    "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
                    "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"));
            start = System.nanoTime();
            List<Future<?>> sent = new ArrayList<>();
            for (EventEnvelope<?> event : records) {
                sent.add(raw.send(KafkaProducerRecord.create("bench-raw", event.aggregateId().toString(), codec.encode(event))));
            }
            await(Future.all(sent), Duration.ofSeconds(120));
            double rawRate = records.size() / ((System.nanoTime() - start) / 1e9);
            await(raw.close());
            await(publisher.close(2_000));
            return new double[]{relayRate, rawRate};
        }
    }

    /** Events per second for one aggregate's stored backlog: the relay, and a raw producer sending the same records in order. */
    private static double[] hotDrain(String servers) {
        try (StoreFixture fixture = StoreFixture.create(HotAggregate.class, 100)) {
            Store store = fixture.store;
            UUID id = UUID.randomUUID();
            long version = 0;
            while (version < HOT_EVENTS) {
                List<OrderEvent> events = new ArrayList<>();
                for (int k = 0; k < 100; k++) {
                    events.add(version == 0 && k == 0
                            ? new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)))
                            : new OrderEvent.OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), 1 + k % 9)), "bench"));
                }
                await(store.events().append("Order", id, version, events, CommandMetadata.system()));
                version += 100;
            }
            OrdoConfig.Relay config = OrdoConfig.fromJson(relay(servers, true).put("mode", "external")).relay();
            EnvelopeCodec codec = StoreFixture.BUILT_IN.codec();
            io.vertx.core.Context context = fixture.vertx.getOrCreateContext();
            Promise<OutboxRelay> made = Promise.promise();
            Promise<KafkaPublisher> publisherMade = Promise.promise();
            context.runOnContext(v -> {
                KafkaPublisher publisher = new KafkaPublisher(fixture.vertx, config, codec);
                publisherMade.complete(publisher);
                made.complete(new OutboxRelay(fixture.vertx, store.events(), store.outbox(), StoreFixture.BUILT_IN::topicOf, config,
                        publisher, FaultInjector.NONE, new OrdoMetrics()));
            });
            OutboxRelay relay = await(made.future());
            KafkaPublisher publisher = await(publisherMade.future());
            Promise<Void> started = Promise.promise();
            context.runOnContext(v -> relay.start().onComplete(started));
            await(started.future());
            Promise<Void> drained = Promise.promise();
            long last = version;
            long start = System.nanoTime();
            context.runOnContext(v -> relay.settle(OutboxHint.of(id, last, System.currentTimeMillis())).onComplete(drained));
            await(drained.future(), Duration.ofSeconds(300));
            double relayRate = last / ((System.nanoTime() - start) / 1e9);

            List<EventEnvelope<?>> records = new ArrayList<>(await(store.events().load(id)));
            KafkaProducer<String, String> raw = KafkaProducer.create(fixture.vertx, Map.of(
                    "bootstrap.servers", servers, "acks", "all", "enable.idempotence", "true", "compression.type", "lz4",
                    "linger.ms", "2",
                    "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
                    "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"));
            start = System.nanoTime();
            List<Future<?>> sent = new ArrayList<>();
            for (EventEnvelope<?> event : records) {
                sent.add(raw.send(KafkaProducerRecord.create("bench-raw-hot", event.aggregateId().toString(), codec.encode(event))));
            }
            await(Future.all(sent), Duration.ofSeconds(300));
            double rawRate = records.size() / ((System.nanoTime() - start) / 1e9);
            await(raw.close());
            Promise<Void> closed = Promise.promise();
            context.runOnContext(v -> publisher.close(2_000).onComplete(closed));
            await(closed.future());
            return new double[]{relayRate, rawRate};
        }
    }

    /** The keyspace of the hot aggregate's backlog. */
    private static final class HotAggregate {
    }
}
