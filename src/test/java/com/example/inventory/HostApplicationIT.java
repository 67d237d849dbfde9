package com.example.inventory;

import io.ordo.Ordo;
import io.ordo.embedded.EmbeddedCassandra;
import io.ordo.testing.Eventually;
import io.ordo.testing.StoreFixture;
import io.ordo.testing.TestCassandra;
import io.ordo.testing.TestKafka;
import io.ordo.testing.TopicReader;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A host Vert.x application brings an aggregate of its own ({@link ProductModule}, on Ordo's public API
 * only), registers it beside Ordo's orders and customers, and mounts Ordo's API under {@code /api}:
 * commands, time travel, the events on Kafka, the read model, the live feed and a rebuild all work for
 * it as for Ordo's own. A second Ordo in the same Vert.x, under another event-bus prefix, never meets it.
 */
class HostApplicationIT {

    private static final String KEYSPACE = "it_hostapplication";
    private static final String TOKEN = "host-ops-token";
    private static final Map<String, String> OPS = Map.of("Authorization", "Bearer " + TOKEN);

    private static Vertx vertx;
    private static Ordo shop;
    private static Ordo other;
    private static HttpServer server;
    private static WebClient client;

    private static JsonObject config(String keyspace, String prefix) {
        return new JsonObject()
                .put("mode", "external")
                .put("http", new JsonObject().put("enabled", false))
                .put("eventBus", new JsonObject().put("prefix", prefix))
                .put("ops", new JsonObject().put("token", TOKEN))
                .put("projections", new JsonObject().put("enabled", true))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers()))
                .put("store", new JsonObject()
                        .put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                        .put("keyspace", keyspace));
    }

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        shop = await(Ordo.builder(vertx, config(KEYSPACE, "shop"))
                .modules(Ordo.ordersAndCustomers())
                .module(new ProductModule())
                .deploy(), Duration.ofSeconds(120));
        JsonObject otherConfig = config(KEYSPACE + "_other", "other");
        // a store of its own, and topics of its own on the shared Kafka
        otherConfig.getJsonObject("store").put("topics", new JsonObject().put("Product", "other-product-events"));
        other = await(Ordo.builder(vertx, otherConfig)
                .module(new ProductModule())
                .deploy(), Duration.ofSeconds(120));
        Router host = Router.router(vertx);
        host.get("/hello").handler(ctx -> ctx.end("hello from the host"));
        host.route("/api/*").subRouter(shop.router());
        host.route("/other/*").subRouter(other.router());
        int port = EmbeddedCassandra.freePort();
        server = await(vertx.createHttpServer().requestHandler(host).listen(port, "127.0.0.1"));
        client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            await(server.close());
        }
        if (other != null) {
            await(other.undeploy());
        }
        if (shop != null) {
            await(shop.undeploy());
        }
        await(vertx.close());
    }

    private static HttpResponse<Buffer> post(String path, JsonObject body) {
        return await(client.post(path).sendJsonObject(body == null ? new JsonObject() : body));
    }

    private static HttpResponse<Buffer> get(String path) {
        return await(client.get(path).send());
    }

    private static String newProduct(String base) {
        HttpResponse<Buffer> created = post(base + "/products", new JsonObject().put("name", "Kettle").put("sku", "K-1"));
        assertEquals(201, created.statusCode(), created.bodyAsString());
        return created.bodyAsJsonObject().getString("productId");
    }

    @Test
    void theHostsOwnAggregateRunsOnOrdosMachinery() {
        assertEquals("hello from the host", get("/hello").bodyAsString());
        HttpResponse<Buffer> created = post("/api/products", new JsonObject().put("name", "Kettle").put("sku", "K-1"));
        assertEquals(201, created.statusCode(), created.bodyAsString());
        String id = created.bodyAsJsonObject().getString("productId");
        assertEquals("/api/products/" + id, created.getHeader("Location"), "under the host's mount point");

        List<JsonObject> live = new CopyOnWriteArrayList<>();
        WebSocketClient sockets = vertx.createWebSocketClient();
        await(sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort())
                        .setURI("/api/ws/products/" + id + "?fromVersion=1"))
                .onSuccess(socket -> socket.textMessageHandler(text -> live.add(new JsonObject(text)))));

        assertEquals(200, post("/api/products/" + id + "/stock", new JsonObject().put("quantity", 5)).statusCode());
        Instant afterStock = Instant.now();
        assertEquals(200, post("/api/products/" + id + "/reservations", new JsonObject().put("quantity", 3)).statusCode());
        HttpResponse<Buffer> tooMany = post("/api/products/" + id + "/reservations", new JsonObject().put("quantity", 3));
        assertEquals(409, tooMany.statusCode());
        assertEquals("INSUFFICIENT_STOCK", tooMany.bodyAsJsonObject().getString("code"));
        HttpResponse<Buffer> discontinued = post("/api/products/" + id + "/discontinue", new JsonObject().put("reason", "recalled"));
        assertEquals(200, discontinued.statusCode());
        assertEquals("DISCONTINUED", discontinued.bodyAsJsonObject().getString("status"));
        assertEquals("\"4\"", discontinued.getHeader("ETag"));

        // bad input to the host's routes is answered as to Ordo's own
        assertEquals(400, post("/api/products/" + id + "/stock", new JsonObject().put("quantity", "many")).statusCode());
        assertEquals(400, post("/api/products/" + id + "/stock", new JsonObject().put("quantity", 1).put("extra", 1)).statusCode());
        assertEquals("PRODUCT_NOT_FOUND", get("/api/products/" + UUID.randomUUID()).bodyAsJsonObject().getString("code"));

        // time travel
        assertEquals(5, get("/api/products/" + id + "?version=2").bodyAsJsonObject().getInteger("stock"));
        assertEquals(5, get("/api/products/" + id + "?at=" + afterStock).bodyAsJsonObject().getInteger("stock"));
        JsonArray events = get("/api/products/" + id + "/events").bodyAsJsonObject().getJsonArray("events");
        assertEquals(List.of("ProductCreated", "StockReceived", "StockReserved", "ProductDiscontinued"),
                events.stream().map(event -> ((JsonObject) event).getString("eventType")).toList());

        // its topic
        Map<String, List<JsonObject>> published = TopicReader.read(TestKafka.bootstrapServers(), ProductModule.TOPIC,
                Set.of(id), TopicReader.allUpTo(Set.of(id), 4), Duration.ofSeconds(60));
        TopicReader.assertFirstOccurrencesInOrder(published.get(id), 4);
        assertEquals("Product", published.get(id).get(0).getString("aggregateType"));

        // its read model, read-your-writes
        HttpResponse<Buffer> summary = get("/api/products/" + id + "/summary?minVersion=4");
        assertEquals(200, summary.statusCode(), summary.bodyAsString());
        assertEquals(2, summary.bodyAsJsonObject().getInteger("stock"));
        assertEquals("DISCONTINUED", summary.bodyAsJsonObject().getString("status"));

        // its live feed
        Eventually.value(Duration.ofSeconds(10), "the live feed carried every event", () -> List.copyOf(live),
                frames -> frames.size() >= 4);
        assertEquals(List.of(1L, 2L, 3L, 4L), live.stream().map(frame -> frame.getLong("sequenceNumber")).toList());
        await(sockets.close());
    }

    @Test
    void aRebuildRestoresTheHostsReadModel() {
        String id = newProduct("/api");
        assertEquals(200, post("/api/products/" + id + "/stock", new JsonObject().put("quantity", 7)).statusCode());
        assertEquals(200, get("/api/products/" + id + "/summary?minVersion=2").statusCode());
        try (StoreFixture raw = StoreFixture.attach(KEYSPACE)) {
            // the read model lost (a delete would leave a tombstone above every projected write time)
            raw.session.execute("TRUNCATE " + KEYSPACE + ".product_read_model");
        }
        assertEquals(404, get("/api/products/" + id + "/summary").statusCode(), "the row is gone");

        HttpResponse<Buffer> started = await(client.post("/api/ops/projections/products/rebuild")
                .putHeader("Authorization", "Bearer " + TOKEN).send());
        assertEquals(202, started.statusCode(), started.bodyAsString());
        Eventually.until(Duration.ofSeconds(60), "the rebuild restored the product's row",
                () -> get("/api/products/" + id + "/summary").statusCode() == 200);
        assertEquals(7, get("/api/products/" + id + "/summary").bodyAsJsonObject().getInteger("stock"));
        JsonObject status = await(client.get("/api/ops/projections").putHeader("Authorization", "Bearer " + TOKEN).send())
                .bodyAsJsonObject();
        assertTrue(status.getJsonArray("projections").stream()
                .anyMatch(projection -> "products".equals(((JsonObject) projection).getString("name"))), status.encode());
    }

    @Test
    void twoOrdosInOneVertxUnderTheirOwnPrefixesNeverMeet() {
        for (int i = 0; i < 8; i++) {
            String id = newProduct("/api");
            assertEquals(200, get("/api/products/" + id).statusCode());
            assertEquals(404, get("/other/products/" + id).statusCode(), "the other Ordo's store never answers for this one");
        }
        String there = newProduct("/other");
        assertEquals(404, get("/api/products/" + there).statusCode());
        assertEquals(404, get("/other/customers").statusCode(), "the other Ordo has no customers module");
    }
}
