package io.ordo.projection;

import io.ordo.bench.SideBySide;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.es.CommandMetadata;
import io.ordo.store.FaultInjector;
import io.ordo.store.Store;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.StoreFixture;
import io.ordo.testing.TestKafka;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.ordo.testing.StoreFixture.await;

/**
 * The read side against the embedded Cassandra and Kafka, in one run:
 * <ol>
 *   <li>projection lag (event time to rows written) under the server benchmark's load: 64 connections
 *       updating 64 orders, relay and projections on;</li>
 *   <li>draining the same backlog: the relay publishing it, then the projections applying it.</li>
 * </ol>
 * {@code mvn -B -Pbench test-compile exec:exec -Dbench.main=io.ordo.projection.ProjectionBenchmark}
 */
public final class ProjectionBenchmark {

    private static final int LANES = 64;
    private static final int COMMANDS = 3_000;
    private static final int BACKLOG_AGGREGATES = 4_000; // 20,000 events: each drain takes seconds, not a burst
    private static final int EVENTS_PER_AGGREGATE = 5;

    public static void main(String[] args) throws Exception {
        String servers = TestKafka.bootstrapServers();
        String run = UUID.randomUUID().toString().substring(0, 8);

        double[] lag;
        double commandRate;
        try (OrdoFixture ordo = OrdoFixture.start(ProjectionBenchmark.class, config(servers, "lag-" + run, true))) {
            List<Double> lags = Collections.synchronizedList(new ArrayList<>());
            Map<UUID, Long> projectedVersion = new ConcurrentHashMap<>();
            ordo.vertx.eventBus().<Projected>localConsumer(ordo.ordo.addresses().projected(), message -> {
                Projected projected = message.body();
                lags.add((double) (System.currentTimeMillis() - projected.eventTime().toEpochMilli()));
                projectedVersion.merge(projected.aggregateId(), projected.version(), Math::max);
            });
            Http http = new Http(ordo.client);
            String customer = http.customer("bench-" + UUID.randomUUID() + "@example.com");
            List<String> orders = new ArrayList<>();
            for (int i = 0; i < LANES; i++) {
                orders.add(http.post("/orders", update(1).put("customerId", customer)).bodyAsJsonObject().getString("orderId"));
            }
            System.out.println("warming up for " + SideBySide.WARM_UP.toSeconds() + " s ...");
            SideBySide.warmUp(() -> load(ordo, orders, COMMANDS / 4, new ConcurrentHashMap<>()));
            awaitProjected(projectedVersion, Map.of(), 0); // lets the warm-up's tail drain
            lags.clear();
            Map<String, Long> finalVersions = new ConcurrentHashMap<>();
            long start = System.nanoTime();
            load(ordo, orders, COMMANDS, finalVersions);
            commandRate = COMMANDS / ((System.nanoTime() - start) / 1e9);
            awaitProjected(projectedVersion, finalVersions, 60_000);
            lag = percentiles(lags);
        }

        JsonObject backlogConfig = config(servers, "backlog-" + run, false);
        String topic = backlogConfig.getJsonObject("store").getJsonObject("topics").getString("Order");
        int events = BACKLOG_AGGREGATES * EVENTS_PER_AGGREGATE;
        seed(Backlog.class);
        double relayRate;
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer());
             OrdoFixture relayOnly = OrdoFixture.start(Backlog.class, backlogConfig)) {
            reader.subscribe(List.of(topic));
            long first = 0;
            long last = 0;
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (seen < events && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> ignored : reader.poll(Duration.ofMillis(20))) {
                    last = System.nanoTime();
                    first = seen++ == 0 ? last : first;
                }
            }
            if (seen < events) {
                throw new IllegalStateException("the relay published " + seen + " of " + events);
            }
            relayRate = (events - 1) / ((last - first) / 1e9);
        }

        backlogConfig.getJsonObject("projections").put("enabled", true);
        double projectionRate;
        try (OrdoFixture projecting = OrdoFixture.start(Backlog.class, backlogConfig)) {
            AtomicInteger complete = new AtomicInteger();
            AtomicLong first = new AtomicLong();
            AtomicLong last = new AtomicLong();
            Promise<Void> all = Promise.promise();
            projecting.vertx.eventBus().<Projected>localConsumer(projecting.ordo.addresses().projected(), message -> {
                long now = System.nanoTime();
                first.compareAndSet(0, now);
                last.set(now);
                // One notification per write, which may cover several events: an order is done at its last version.
                if (message.body().version() == EVENTS_PER_AGGREGATE && complete.incrementAndGet() == BACKLOG_AGGREGATES) {
                    all.tryComplete();
                }
            });
            await(all.future(), Duration.ofSeconds(180));
            projectionRate = (events - 1) / ((last.get() - first.get()) / 1e9);
        }

        System.out.println();
        System.out.println("== Ordo projection benchmark (embedded Cassandra and Kafka, same run) ==");
        System.out.printf("HTTP load, 64 connections, 64 orders    %7.0f commands/s%n", commandRate);
        System.out.printf("projection lag at that load             p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms (target p99 < 1000 ms)%n",
                lag[0], lag[1], lag[2]);
        System.out.printf("relay publishing a %d-event backlog   %7.0f events/s%n", events, relayRate);
        System.out.printf("projections applying the same backlog   %7.0f events/s   = %.2fx the relay (target >= 1)%n",
                projectionRate, projectionRate / relayRate);
        System.exit(0);
    }

    /** The keyspace of the backlog, shared by the relay's run and the projections' run. */
    private static final class Backlog {
    }

    private static JsonObject config(String servers, String group, boolean projections) {
        return new JsonObject()
                .put("store", new JsonObject().put("requestTimeoutMs", 2_000).put("topics", new JsonObject()
                        .put("Order", "bench-" + group + "-orders").put("Customer", "bench-" + group + "-customers")))
                .put("aggregates", new JsonObject().put("instances", 4))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", servers)
                        .put("pollIntervalMs", 100).put("pollDelayMs", 2_000))
                .put("projections", new JsonObject().put("enabled", projections).put("consumerGroup", "bench-" + group));
    }

    private static JsonObject update(int quantity) {
        return new JsonObject().put("items", new JsonArray().add(new JsonObject()
                .put("productId", "a1a1a1a1-0000-4000-8000-000000000001").put("quantity", quantity)));
    }

    /** {@code count} item updates over the orders, one at a time per order; records each order's last version. */
    private static void load(OrdoFixture ordo, List<String> orders, int count, Map<String, Long> versions) {
        AtomicInteger remaining = new AtomicInteger(count);
        List<Future<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < orders.size(); lane++) {
            Promise<Void> done = Promise.promise();
            next(ordo, orders.get(lane), lane, remaining, versions, done);
            lanes.add(done.future());
        }
        await(Future.all(lanes), Duration.ofSeconds(300));
    }

    private static void next(OrdoFixture ordo, String order, int lane, AtomicInteger remaining, Map<String, Long> versions,
                             Promise<Void> done) {
        if (remaining.getAndDecrement() <= 0) {
            done.tryComplete();
            return;
        }
        ordo.client.put("/orders/" + order + "/items").sendJsonObject(update(lane + 1 + remaining.get() % 7))
                .onComplete(result -> {
                    HttpResponse<Buffer> response = result.succeeded() ? result.result() : null;
                    if (response == null || response.statusCode() != 200) {
                        done.tryFail(response == null ? result.cause().toString() : response.bodyAsString());
                        return;
                    }
                    versions.merge(order, response.bodyAsJsonObject().getLong("version"), Math::max);
                    next(ordo, order, lane, remaining, versions, done);
                });
    }

    private static void awaitProjected(Map<UUID, Long> projected, Map<String, Long> expected, long timeoutMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            boolean caughtUp = expected.entrySet().stream()
                    .allMatch(entry -> projected.getOrDefault(UUID.fromString(entry.getKey()), 0L) >= entry.getValue());
            if (caughtUp) {
                return;
            }
            Thread.sleep(20);
        }
        Thread.sleep(2_000); // the warm-up: let its tail drain
    }

    /** Appends the backlog straight to the store, before any relay runs on it. */
    private static void seed(Class<?> keyspaceOwner) {
        try (StoreFixture fixture = StoreFixture.create(keyspaceOwner, 100)) {
            Store store = fixture.store;
            for (int batch = 0; batch < BACKLOG_AGGREGATES; batch += LANES) { // 64 in flight, as the other benchmarks
                List<Future<?>> seeded = new ArrayList<>();
                for (int i = batch; i < Math.min(BACKLOG_AGGREGATES, batch + LANES); i++) {
                    List<OrderEvent> events = new ArrayList<>();
                    events.add(new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1))));
                    for (int k = 1; k < EVENTS_PER_AGGREGATE; k++) {
                        events.add(new OrderEvent.OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), k + 1)), "bench"));
                    }
                    seeded.add(store.events().append("Order", UUID.randomUUID(), 0, events, CommandMetadata.system()));
                }
                await(Future.all(seeded), Duration.ofSeconds(60));
            }
        }
    }

    private static double[] percentiles(List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return new double[]{sorted.get(sorted.size() / 2), sorted.get((int) (sorted.size() * 0.99)),
                sorted.get(sorted.size() - 1)};
    }
}
