package io.ordo.bench;

import io.ordo.config.OrdoConfig;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.TestKafka;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
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
import java.util.concurrent.atomic.AtomicInteger;

import io.ordo.bench.Lanes.Result;

import static io.ordo.testing.StoreFixture.await;

/**
 * What the relay and the projections cost the command path, side by side in one run: the default
 * server (relay and projections on) against the same server with the relay off, both loaded alike
 * (64 connections updating 64 orders) in alternating rounds after a warm-up; and, during the default
 * server's rounds, the time from a command's answer to its event's arrival at a plain Kafka consumer.
 * {@code mvn -B -Pbench test-compile exec:exec -Dbench.main=io.ordo.bench.RelayCostBenchmark}
 */
public final class RelayCostBenchmark {

    private static final int LANES = 64;
    private static final int COMMANDS = 3_000;
    private static final String TOPIC = "relay-cost-order-events";

    public static void main(String[] args) throws Exception {
        VertxOptions server = new VertxOptions().setEventLoopPoolSize(OrdoConfig.eventLoopsBesideDatabase());
        Vertx load = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        Result full = Result.NONE;
        Result off = Result.NONE;
        Map<String, Long> answered = new ConcurrentHashMap<>();
        Map<String, Long> received = new ConcurrentHashMap<>();
        AtomicBoolean consuming = new AtomicBoolean(true);
        Thread consumer = new Thread(() -> consume(received, consuming), "bench-consumer");
        try (OrdoFixture withRelay = OrdoFixture.start(RelayCostBenchmark.class, new JsonObject()
                .put("store", new JsonObject().put("topics", new JsonObject().put("Order", TOPIC)
                        .put("Customer", "relay-cost-customer-events")))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers()))
                .put("projections", new JsonObject().put("consumerGroup", "relay-cost-" + UUID.randomUUID())), server);
             OrdoFixture relayOff = OrdoFixture.start(RelayOff.class, new JsonObject(), server)) {
            consumer.start();
            WebClient fullClient = client(load, withRelay);
            WebClient offClient = client(load, relayOff);
            String fullCustomer = new Http(fullClient).customer("bench-" + UUID.randomUUID() + "@example.com");
            String offCustomer = new Http(offClient).customer("bench-" + UUID.randomUUID() + "@example.com");
            SideBySide.warmUp(() -> {
                System.out.printf("warming up: full      %s%n", run(fullClient, fullCustomer, null).summary());
                System.out.printf("            relay off %s%n", run(offClient, offCustomer, null).summary());
            });
            for (int round = 0; round < SideBySide.ROUNDS; round++) {
                full = full.plus(run(fullClient, fullCustomer, answered));
                off = off.plus(run(offClient, offCustomer, null));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!received.keySet().containsAll(answered.keySet()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        } finally {
            consuming.set(false);
            consumer.join();
            await(load.close());
        }
        List<Double> toKafka = new ArrayList<>();
        int missing = 0;
        for (Map.Entry<String, Long> command : answered.entrySet()) {
            Long seen = received.get(command.getKey());
            if (seen == null) {
                missing++;
            } else {
                toKafka.add(Math.max(0, seen - command.getValue()) / 1e6);
            }
        }
        Collections.sort(toKafka);
        System.out.println();
        System.out.printf("== Ordo relay cost (embedded Cassandra and Kafka, same run, %d s warm-up, %d rounds of %d "
                        + "commands, servers on %d event loop(s)) ==%n", SideBySide.WARM_UP.toSeconds(), SideBySide.ROUNDS,
                COMMANDS, server.getEventLoopPoolSize());
        System.out.printf("relay off                          %s%n", off.summary());
        System.out.printf("relay and projections on (default) %s  = %.2fx relay off (target >= 0.6)%n", full.summary(),
                full.rate() / off.rate());
        System.out.printf("    relay off: %s%n    default:   %s%n", off.cpu().perOperation(off.count()),
                full.cpu().perOperation(full.count()));
        System.out.printf("answer -> on Kafka, default server under that load: p50 %.1f ms  p99 %.1f ms "
                        + "(target p99 < 500 ms; %d events, %d not seen)%n", toKafka.get(toKafka.size() / 2),
                toKafka.get((int) (toKafka.size() * 0.99)), toKafka.size(), missing);
        System.exit(0);
    }

    /** A second keyspace, for the server without the relay. */
    private static final class RelayOff {
    }

    private static WebClient client(Vertx load, OrdoFixture ordo) {
        return WebClient.create(load, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(ordo.port),
                new PoolOptions().setHttp1MaxSize(LANES));
    }

    private static void consume(Map<String, Long> received, AtomicBoolean running) {
        try (KafkaConsumer<String, String> kafka = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"), new StringDeserializer(), new StringDeserializer())) {
            kafka.subscribe(List.of(TOPIC));
            while (running.get()) {
                for (ConsumerRecord<String, String> record : kafka.poll(Duration.ofMillis(20))) {
                    received.putIfAbsent(record.key() + "@" + new String(record.headers().lastHeader("sequence_number").value()),
                            System.nanoTime());
                }
            }
        }
    }

    private static JsonObject update(int quantity) {
        return new JsonObject().put("items", new JsonArray().add(new JsonObject()
                .put("productId", "a1a1a1a1-0000-4000-8000-000000000001").put("quantity", quantity)));
    }

    /**
     * {@link #COMMANDS} item updates on {@link #LANES} fresh orders, each lane one command at a time;
     * with {@code answered}, each answer's time is kept under "order@version" (its ETag).
     */
    private static Result run(WebClient client, String customer, Map<String, Long> answered) {
        List<String> orders = new ArrayList<>();
        for (int i = 0; i < LANES; i++) {
            orders.add(await(client.post("/orders").sendJsonObject(update(1).put("customerId", customer)))
                    .bodyAsJsonObject().getString("orderId"));
        }
        return Lanes.measure(COMMANDS, LANES, lane -> client.put("/orders/" + orders.get(lane) + "/items")
                .sendJsonObject(update(lane + 1)).compose(response -> {
                    if (response.statusCode() != 200) {
                        return Future.failedFuture(response.statusCode() + " " + response.bodyAsString());
                    }
                    if (answered != null) {
                        answered.put(orders.get(lane) + "@" + response.getHeader("ETag").replace("\"", ""), System.nanoTime());
                    }
                    return Future.succeededFuture();
                }));
    }
}
