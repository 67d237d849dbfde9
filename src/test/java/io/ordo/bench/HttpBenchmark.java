package io.ordo.bench;

import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.es.CommandMetadata;
import io.ordo.store.AppendResult;
import io.ordo.store.EventStore;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.StoreFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static io.ordo.testing.StoreFixture.await;

/**
 * The server against the embedded Cassandra, side by side in one run:
 * <ol>
 *   <li>HTTP command throughput, 64 connections each driving its own order (item updates), vs raw
 *       {@code EventStore.append} of the same events, 64 aggregates in flight;</li>
 *   <li>one hot order with 64 commands in flight: group commit on vs off.</li>
 * </ol>
 * {@code mvn -Pbench test-compile exec:exec -Dbench.main=io.ordo.bench.HttpBenchmark}
 */
public final class HttpBenchmark {

    private static final int LANES = 64;
    private static final int COMMANDS = 3_000;

    public static void main(String[] args) {
        Result raw;
        Result http;
        Result hotOn;
        Result hotOff;
        try (StoreFixture store = StoreFixture.create(HttpBenchmark.class, 100);
             OrdoFixture grouped = OrdoFixture.start(HttpBenchmark.class);
             OrdoFixture single = OrdoFixture.start(SingleCommit.class,
                     new JsonObject().put("aggregates", new JsonObject().put("groupCommit", false)))) {
            EventStore events = store.eventStore();
            Http client = new Http(grouped.client);
            String customer = client.customer("bench-" + UUID.randomUUID() + "@example.com");

            System.out.println("warming up ...");
            runRaw(events, COMMANDS / 4);
            runHttp(grouped, customer, COMMANDS / 4);
            raw = runRaw(events, COMMANDS);
            http = runHttp(grouped, customer, COMMANDS);
            Http singleClient = new Http(single.client);
            String singleCustomer = singleClient.customer("bench-" + UUID.randomUUID() + "@example.com");
            hotOn = runHot(grouped, customer, COMMANDS);
            hotOff = runHot(single, singleCustomer, COMMANDS / 3);
        }
        System.out.println();
        System.out.println("== Ordo server benchmark (embedded Cassandra, same run) ==");
        System.out.printf("raw EventStore.append, 64 aggregates     %7.0f commands/s  p50 %6.1f ms  p99 %6.1f ms%n",
                raw.rate, raw.p50, raw.p99);
        System.out.printf("HTTP commands, 64 connections, 64 orders %7.0f commands/s  p50 %6.1f ms  p99 %6.1f ms  = %.2fx raw (target >= 0.6)%n",
                http.rate, http.p50, http.p99, http.rate / raw.rate);
        System.out.printf("one hot order, group commit off          %7.0f commands/s  p50 %6.1f ms  p99 %6.1f ms%n",
                hotOff.rate, hotOff.p50, hotOff.p99);
        System.out.printf("one hot order, group commit on           %7.0f commands/s  p50 %6.1f ms  p99 %6.1f ms  = %.2fx off (target >= 3x)%n",
                hotOn.rate, hotOn.p50, hotOn.p99, hotOn.rate / hotOff.rate);
        System.exit(0);
    }

    /** A second keyspace for the server without group commit. */
    private static final class SingleCommit {
    }

    private record Result(double rate, double p50, double p99) {
    }

    private static JsonObject update(int quantity) {
        return new JsonObject().put("items", new JsonArray().add(new JsonObject()
                .put("productId", "a1a1a1a1-0000-4000-8000-000000000001").put("quantity", quantity)));
    }

    private static String order(OrdoFixture ordo, String customer) {
        return await(ordo.client.post("/orders").sendJsonObject(update(1).put("customerId", customer)))
                .bodyAsJsonObject().getString("orderId");
    }

    private static Result runHttp(OrdoFixture ordo, String customer, int count) {
        List<String> orders = new ArrayList<>();
        for (int i = 0; i < LANES; i++) {
            orders.add(order(ordo, customer));
        }
        return measure(count, lane -> ordo.client.put("/orders/" + orders.get(lane) + "/items")
                .sendJsonObject(update(lane + 1)).compose(HttpBenchmark::ok));
    }

    private static Result runHot(OrdoFixture ordo, String customer, int count) {
        String hot = order(ordo, customer);
        return measure(count, lane -> ordo.client.put("/orders/" + hot + "/items")
                .sendJsonObject(update(lane + 1)).compose(HttpBenchmark::ok));
    }

    private static Future<Void> ok(HttpResponse<Buffer> response) {
        return response.statusCode() == 200 ? Future.succeededFuture()
                : Future.failedFuture(response.statusCode() + " " + response.bodyAsString());
    }

    private static Result runRaw(EventStore store, int count) {
        List<UUID> ids = new ArrayList<>();
        long[] versions = new long[LANES];
        for (int i = 0; i < LANES; i++) {
            ids.add(UUID.randomUUID());
        }
        return measure(count, lane -> {
            OrderEvent event = versions[lane] == 0
                    ? new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)))
                    : new OrderEvent.OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), lane + 1)), null);
            return store.append("Order", ids.get(lane), versions[lane], List.of(event), CommandMetadata.system())
                    .compose(result -> {
                        if (result instanceof AppendResult.Appended appended) {
                            versions[lane] = appended.version();
                            return Future.succeededFuture();
                        }
                        return Future.failedFuture("unexpected conflict");
                    });
        });
    }

    /** Runs {@code count} operations on {@link #LANES} lanes, each lane one operation at a time. */
    private static Result measure(int count, Function<Integer, Future<Void>> operation) {
        AtomicInteger remaining = new AtomicInteger(count);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>(count));
        List<Future<Void>> lanes = new ArrayList<>();
        long start = System.nanoTime();
        for (int lane = 0; lane < LANES; lane++) {
            Promise<Void> done = Promise.promise();
            next(lane, operation, remaining, latencies, done);
            lanes.add(done.future());
        }
        await(Future.all(lanes));
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Result(count / seconds, sorted.get(sorted.size() / 2), sorted.get((int) (sorted.size() * 0.99)));
    }

    private static void next(int lane, Function<Integer, Future<Void>> operation, AtomicInteger remaining,
                             List<Double> latencies, Promise<Void> done) {
        if (remaining.getAndDecrement() <= 0) {
            done.tryComplete();
            return;
        }
        long started = System.nanoTime();
        operation.apply(lane).onComplete(result -> {
            if (result.failed()) {
                done.tryFail(result.cause());
                return;
            }
            latencies.add((System.nanoTime() - started) / 1e6);
            next(lane, operation, remaining, latencies, done);
        });
    }
}
