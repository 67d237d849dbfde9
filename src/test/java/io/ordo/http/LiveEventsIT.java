package io.ordo.http;

import io.ordo.testing.Eventually;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WebSocket feeds: live events in order, and a resume from a version with no gap and no duplicate. */
class LiveEventsIT {

    private static OrdoFixture ordo;
    private static Http http;
    private static WebSocketClient sockets;

    @BeforeAll
    static void start() {
        // A small per-client limit, so that the slow-consumer test fills it quickly.
        ordo = OrdoFixture.start(LiveEventsIT.class,
                new JsonObject().put("http", new JsonObject().put("wsMaxQueuedBytes", 16_384)));
        http = new Http(ordo.client);
        sockets = ordo.vertx.createWebSocketClient(new WebSocketClientOptions().setReceiveBufferSize(4_096));
    }

    @AfterAll
    static void stop() {
        await(sockets.close());
        ordo.close();
    }

    private static List<JsonObject> listen(String uri) {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        // The handler is set as the connection completes, on its context: no frame arrives before it.
        await(sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(ordo.port).setURI(uri))
                .onSuccess(socket -> socket.textMessageHandler(text -> frames.add(new JsonObject(text)))));
        return frames;
    }

    private static String newOrder() {
        String customer = http.customer("ws-" + UUID.randomUUID() + "@example.com");
        return http.post("/orders", new JsonObject().put("customerId", customer).put("items", new JsonArray()
                .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1))))
                .bodyAsJsonObject().getString("orderId");
    }

    @Test
    void aClientSeesEveryEventOfALifecycleInOrder() throws InterruptedException {
        List<JsonObject> all = listen("/ws/orders");
        String id = newOrder();
        List<JsonObject> one = listen("/ws/orders/" + id);

        http.post("/orders/" + id + "/confirm", null);
        http.post("/orders/" + id + "/ship", new JsonObject().put("trackingNumber", "T").put("carrier", "C"));
        http.post("/orders/" + id + "/deliver", null);

        Eventually.value(Duration.ofSeconds(10), "3 frames on the order's feed", () -> one, frames -> frames.size() >= 3);
        assertEquals(3, one.size(), "frames: " + one);
        assertEquals(List.of("OrderConfirmed", "OrderShipped", "OrderDelivered"),
                one.stream().map(frame -> frame.getString("eventType")).toList());
        assertEquals(List.of(2L, 3L, 4L), one.stream().map(frame -> frame.getLong("sequenceNumber")).toList());
        long seenOnAll = all.stream().filter(frame -> id.equals(frame.getString("aggregateId"))).count();
        assertTrue(seenOnAll >= 4, "the all-orders feed carries this order's events too: " + seenOnAll);
    }

    @Test
    void aClientResumingFromAVersionGetsTheMissedEventsThenLiveOnesWithoutGapOrDuplicate() throws InterruptedException {
        String id = newOrder();
        for (int i = 0; i < 5; i++) {
            http.put("/orders/" + id + "/items", new JsonObject().put("items", new JsonArray()
                    .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", i + 1))));
        }
        List<JsonObject> frames = listen("/ws/orders/" + id + "?fromVersion=2");
        // Live commands race the catch-up on purpose.
        http.post("/orders/" + id + "/confirm", null);
        http.post("/orders/" + id + "/cancel", new JsonObject().put("reason", "test"));

        Eventually.value(Duration.ofSeconds(10), "7 frames on the resumed feed", () -> frames, seen -> seen.size() >= 7);
        assertEquals(7, frames.size(), "frames: " + frames);
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L), frames.stream().map(frame -> frame.getLong("sequenceNumber")).toList());
        assertEquals("OrderCancelled", frames.get(6).getString("eventType"));
    }

    @Test
    void aClientThatDoesNotReadIsDisconnectedAndTheServerGoesOn() throws InterruptedException {
        String id = newOrder();
        WebSocket socket = await(sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(ordo.port)
                .setURI("/ws/orders/" + id)));
        short[] closedWith = {0};
        socket.closeHandler(v -> closedWith[0] = socket.closeStatusCode() == null ? -1 : socket.closeStatusCode());
        socket.pause(); // reads nothing: frames pile up on the server until the limit
        JsonArray hundredLines = new JsonArray(); // about 7 KB per event
        for (int i = 0; i < 100; i++) {
            hundredLines.add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", i + 1));
        }
        JsonObject bigUpdate = new JsonObject().put("items", hundredLines).put("reason", "r".repeat(400));
        // More than the kernel's socket buffers (4 MiB here) and the 16 KiB limit can hold.
        int commands = 1_500;
        for (int i = 0; i < commands; i++) {
            assertEquals(200, http.put("/orders/" + id + "/items", bigUpdate).statusCode());
        }
        socket.resume(); // read what made it through, then the close frame
        Eventually.until(Duration.ofSeconds(20), "the slow consumer's socket closed", () -> closedWith[0] != 0);
        assertEquals(LiveEvents.SLOW_CONSUMER, closedWith[0], "closed as a slow consumer after " + commands + " commands");
        assertEquals(200, http.post("/orders/" + id + "/confirm", null).statusCode(), "the server goes on");
    }

    @Test
    void aCustomersStreamIsNotAnOrderFeed() throws InterruptedException {
        String customer = http.customer("not-an-order-" + UUID.randomUUID() + "@example.com");
        List<String> frames = new CopyOnWriteArrayList<>();
        short[] closedWith = {0};
        await(sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(ordo.port)
                .setURI("/ws/orders/" + customer + "?fromVersion=1")).onSuccess(socket -> {
            socket.textMessageHandler(frames::add);
            socket.closeHandler(v -> closedWith[0] = socket.closeStatusCode());
        }));
        Eventually.until(Duration.ofSeconds(10), "the socket on a customer's stream closed", () -> closedWith[0] != 0);
        assertEquals(LiveEvents.NOT_OF_THE_TYPE, closedWith[0]);
        assertEquals(List.of(), frames, "no customer data on an order feed");
    }

    @Test
    void aBadFromVersionIsRefusedBeforeTheUpgrade() {
        assertEquals(400, http.get("/ws/orders/" + UUID.randomUUID() + "?fromVersion=zero").statusCode());
        assertEquals(400, http.get("/ws/orders/" + UUID.randomUUID() + "?fromVersion=-1").statusCode());
    }

    @Test
    void fromVersionZeroIsFromTheStart() throws InterruptedException {
        // A client that tracks "the last version seen" sends 0 before it has seen any.
        String id = newOrder();
        http.post("/orders/" + id + "/confirm", null);
        List<JsonObject> frames = listen("/ws/orders/" + id + "?fromVersion=0");
        Eventually.value(Duration.ofSeconds(10), "2 frames on the feed from version 0", () -> frames, seen -> seen.size() >= 2);
        assertEquals(2, frames.size(), "frames: " + frames);
        assertEquals(List.of(1L, 2L), frames.stream().map(frame -> frame.getLong("sequenceNumber")).toList());
    }
}
