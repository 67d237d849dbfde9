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
import io.ordo.config.OrdoConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.ordo.bench.Lanes.Result;

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
        Result raw = Result.NONE;
        Result http = Result.NONE;
        Result hotOn;
        Result hotOff;
        // The servers as OrdoMain runs them beside a database on the same machine (see OrdoConfig.eventLoops);
        // the load generator on a Vert.x of its own, as a client elsewhere would be.
        VertxOptions server = new VertxOptions().setEventLoopPoolSize(OrdoConfig.eventLoopsBesideDatabase());
        Vertx load = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try (StoreFixture store = StoreFixture.create(HttpBenchmark.class, 100);
             OrdoFixture grouped = OrdoFixture.start(HttpBenchmark.class, new JsonObject(), server);
             OrdoFixture single = OrdoFixture.start(SingleCommit.class,
                     new JsonObject().put("aggregates", new JsonObject().put("groupCommit", false)), server)) {
            EventStore events = store.eventStore();
            WebClient groupedClient = client(load, grouped);
            WebClient singleClient = client(load, single);
            String customer = new Http(groupedClient).customer("bench-" + UUID.randomUUID() + "@example.com");
            String singleCustomer = new Http(singleClient).customer("bench-" + UUID.randomUUID() + "@example.com");

            SideBySide.warmUp(() -> {
                System.out.printf("warming up: raw  %s%n", runRaw(events, COMMANDS).summary());
                System.out.printf("            HTTP %s%n", runHttp(groupedClient, customer, COMMANDS).summary());
            });
            for (int round = 0; round < SideBySide.ROUNDS; round++) {
                raw = raw.plus(runRaw(events, COMMANDS));
                http = http.plus(runHttp(groupedClient, customer, COMMANDS));
            }
            runHot(groupedClient, customer, COMMANDS / 4);
            runHot(singleClient, singleCustomer, COMMANDS / 12);
            hotOn = runHot(groupedClient, customer, COMMANDS);
            hotOff = runHot(singleClient, singleCustomer, COMMANDS / 3);
        } finally {
            await(load.close());
        }
        System.out.println();
        System.out.printf("== Ordo server benchmark (embedded Cassandra, same run, %d s warm-up, %d rounds measured, "
                + "server on %d event loop(s)) ==%n", SideBySide.WARM_UP.toSeconds(), SideBySide.ROUNDS, server.getEventLoopPoolSize());
        System.out.printf("raw EventStore.append, 64 aggregates     %s%n", raw.summary());
        System.out.printf("HTTP commands, 64 connections, 64 orders %s  = %.2fx raw (target >= 0.6)%n",
                http.summary(), http.rate() / raw.rate());
        System.out.printf("    raw:  %s%n    HTTP: %s%n", raw.cpu().perOperation(raw.count()), http.cpu().perOperation(http.count()));
        System.out.printf("one hot order, group commit off          %s%n", hotOff.summary());
        System.out.printf("one hot order, group commit on           %s  = %.2fx off (target >= 3x)%n",
                hotOn.summary(), hotOn.rate() / hotOff.rate());
        System.exit(0);
    }

    private static WebClient client(Vertx load, OrdoFixture ordo) {
        return WebClient.create(load, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(ordo.port),
                new PoolOptions().setHttp1MaxSize(LANES));
    }

    /** A second keyspace for the server without group commit. */
    private static final class SingleCommit {
    }

    private static JsonObject update(int quantity) {
        return new JsonObject().put("items", new JsonArray().add(new JsonObject()
                .put("productId", "a1a1a1a1-0000-4000-8000-000000000001").put("quantity", quantity)));
    }

    private static String order(WebClient client, String customer) {
        return await(client.post("/orders").sendJsonObject(update(1).put("customerId", customer)))
                .bodyAsJsonObject().getString("orderId");
    }

    private static Result runHttp(WebClient client, String customer, int count) {
        List<String> orders = new ArrayList<>();
        for (int i = 0; i < LANES; i++) {
            orders.add(order(client, customer));
        }
        return measure(count, lane -> client.put("/orders/" + orders.get(lane) + "/items")
                .sendJsonObject(update(lane + 1)).compose(HttpBenchmark::ok));
    }

    private static Result runHot(WebClient client, String customer, int count) {
        String hot = order(client, customer);
        return measure(count, lane -> client.put("/orders/" + hot + "/items")
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

    private static Result measure(int count, java.util.function.IntFunction<Future<Void>> operation) {
        return Lanes.measure(count, LANES, operation);
    }
}
