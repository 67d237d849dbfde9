package io.ordo.command;

import io.ordo.embedded.ChildJvm;
import io.ordo.store.FaultInjector;
import io.ordo.testing.Eventually;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.ServerProcess;
import io.ordo.testing.StoreFixture;
import io.ordo.testing.TestCassandra;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands are exact across instances and crashes: two Ordo instances on one keyspace (each with its own
 * aggregate cache), and a server JVM halted mid-command. Each test is a defect found in review.
 */
class ExactCommandsIT {

    private static final String KEYSPACE = "it_exactcommandsit";
    /**
     * A short store timeout, so that a claim's lease (at least twice an append's timeout of five requests:
     * 15 s here) passes within a test: a claim is trusted for as long as its command might still commit.
     */
    private static final long REQUEST_TIMEOUT_MS = 1_500;
    private static final Duration PAST_THE_LEASE = Duration.ofSeconds(60);

    /** Holds a unique value's release while armed: to let another instance act between a commit and its release. */
    private static final AtomicReference<Promise<Void>> RELEASE_GATE = new AtomicReference<>();

    private static OrdoFixture one;
    private static OrdoFixture two;
    private static Http first;
    private static Http second;

    @BeforeAll
    static void start() {
        try (StoreFixture fresh = StoreFixture.create(ExactCommandsIT.class, 100)) {
            // a fresh keyspace, with the schema applied once before two instances open it
        }
        JsonObject overrides = new JsonObject().put("store", new JsonObject().put("requestTimeoutMs", REQUEST_TIMEOUT_MS));
        FaultInjector heldRelease = (point, aggregateId) -> {
            Promise<Void> gate = RELEASE_GATE.get();
            return point == FaultInjector.Point.VALUE_RELEASE && gate != null ? gate.future() : Future.succeededFuture();
        };
        one = OrdoFixture.start(ExactCommandsIT.class, overrides, heldRelease);
        two = OrdoFixture.start(ExactCommandsIT.class, overrides);
        first = new Http(one.client);
        second = new Http(two.client);
    }

    @AfterAll
    static void stop() {
        if (one != null) {
            one.close();
        }
        if (two != null) {
            two.close();
        }
    }

    private static String email(String what) {
        return what + "-" + UUID.randomUUID() + "@example.com";
    }

    private static JsonObject registration(String email) {
        return new JsonObject().put("email", email).put("firstName", "Ann").put("lastName", "Lee");
    }

    private static long version(HttpResponse<Buffer> response) {
        return Long.parseLong(response.getHeader("ETag").replace("\"", ""));
    }

    private static HttpResponse<Buffer> keyed(Http http, HttpMethod method, String path, JsonObject body, String key) {
        return http.send(method, path, body == null ? null : body.encode(), Map.of("Idempotency-Key", key));
    }

    @Test
    void aNoOpOnAStaleCacheIsDecidedAgainOnTheStoresVersion() {
        String id = first.customer(email("stale"));
        assertEquals(200, first.get("/customers/" + id).statusCode()); // instance one caches Ann Lee at version 1
        HttpResponse<Buffer> renamed = second.put("/customers/" + id,
                new JsonObject().put("firstName", "Bea").put("lastName", "Lee"));
        assertEquals(2, version(renamed));

        // To instance one's cache, "Ann Lee" changes nothing; the store says the customer is Bea now.
        HttpResponse<Buffer> back = first.put("/customers/" + id, new JsonObject().put("firstName", "Ann").put("lastName", "Lee"));
        assertEquals(200, back.statusCode(), back.bodyAsString());
        assertEquals(3, version(back), "decided on version 2, where the rename is a change");
        assertEquals("Ann", second.get("/customers/" + id).bodyAsJsonObject().getString("firstName"));
    }

    @Test
    void oneKeySentToTwoInstancesAtOnceRunsOnceAndEveryRetryGetsItsOutcome() {
        String order = newOrder();
        int keys = 10;
        for (int k = 0; k < keys; k++) {
            String key = "items-" + UUID.randomUUID();
            String body = items(k + 2).encode();
            Future<HttpResponse<Buffer>> onOne = one.client.put("/orders/" + order + "/items").putHeader("Idempotency-Key", key)
                    .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
            Future<HttpResponse<Buffer>> onTwo = two.client.put("/orders/" + order + "/items").putHeader("Idempotency-Key", key)
                    .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
            List<HttpResponse<Buffer>> answers = List.of(await(onOne), await(onTwo));
            for (HttpResponse<Buffer> answer : answers) {
                assertTrue(answer.statusCode() == 200 || "IDEMPOTENCY_KEY_IN_PROGRESS".equals(answer.bodyAsJsonObject().getString("code")),
                        answer.statusCode() + " " + answer.bodyAsString());
            }
            long version = answers.stream().filter(answer -> answer.statusCode() == 200).map(ExactCommandsIT::version)
                    .findFirst().orElseThrow(() -> new AssertionError("no run of the key was answered"));
            for (Http http : List.of(first, second)) {
                HttpResponse<Buffer> retry = Eventually.value(Duration.ofSeconds(20), "the retry answered with the first outcome",
                        () -> http.send(HttpMethod.PUT, "/orders/" + order + "/items", body, Map.of("Idempotency-Key", key)),
                        response -> response.statusCode() != 409);
                assertEquals(200, retry.statusCode(), retry.bodyAsString());
                assertEquals("true", retry.getHeader("Idempotent-Replayed"));
                assertEquals(version, version(retry), "every retry gets the first run's version");
            }
        }
        assertEquals(1 + keys, first.get("/orders/" + order + "/events").bodyAsJsonObject().getJsonArray("events").size(),
                "each key ran once");
    }

    private static String newOrder() {
        String customer = first.customer(email("buyer"));
        return first.post("/orders", new JsonObject().put("customerId", customer).put("items", items(1).getJsonArray("items")))
                .bodyAsJsonObject().getString("orderId");
    }

    private static JsonObject items(int quantity) {
        return new JsonObject().put("items", new JsonArray()
                .add(new JsonObject().put("productId", "a1a1a1a1-0000-4000-8000-000000000001").put("quantity", quantity)));
    }

    @Test
    void aChangeBackOnAnotherInstanceIsNotFreedByTheFirstChangesLateRelease() {
        String a = email("a");
        String b = email("b");
        String id = first.customer(a);
        Promise<Void> gate = Promise.promise();
        RELEASE_GATE.set(gate);
        Future<HttpResponse<Buffer>> toB;
        try {
            // Instance one commits a -> b; its release of a waits at the gate.
            toB = one.client.post("/customers/" + id + "/email").putHeader("Content-Type", "application/json")
                    .sendBuffer(Buffer.buffer(new JsonObject().put("email", b).encode()));
            Eventually.until(Duration.ofSeconds(20), "the change to b committed", () ->
                    second.get("/customers/" + id + "/events").bodyAsJsonObject().getJsonArray("events").size() == 2);
            // Instance two changes it back, b -> a, while a is still reserved for this customer.
            HttpResponse<Buffer> toA = second.post("/customers/" + id + "/email", new JsonObject().put("email", a));
            assertEquals(200, toA.statusCode(), toA.bodyAsString());
            assertEquals(3, version(toA));
        } finally {
            RELEASE_GATE.set(null);
            gate.complete();
        }
        assertEquals(200, await(toB).statusCode());

        HttpResponse<Buffer> thief = second.post("/customers", registration(a));
        assertEquals(409, thief.statusCode(), "a is the customer's again: " + thief.bodyAsString());
        assertEquals("CUSTOMER_EMAIL_TAKEN", thief.bodyAsJsonObject().getString("code"));
        assertEquals(201, first.post("/customers", registration(b)).statusCode(), "b was freed by the change back");
    }

    @Test
    void aSwapOfTwoAddressesAcrossInstancesLeavesEachHeldByItsCustomer() {
        String a = email("swap-a");
        String b = email("swap-b");
        String ann = first.customer(a);
        String bob = second.customer(b);
        // Each wants the other's address: at most one can have it while the other still holds it.
        Future<HttpResponse<Buffer>> annToB = one.client.post("/customers/" + ann + "/email")
                .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(new JsonObject().put("email", b).encode()));
        Future<HttpResponse<Buffer>> bobToA = two.client.post("/customers/" + bob + "/email")
                .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(new JsonObject().put("email", a).encode()));
        await(annToB);
        await(bobToA);
        String annHas = first.get("/customers/" + ann).bodyAsJsonObject().getString("email");
        String bobHas = first.get("/customers/" + bob).bodyAsJsonObject().getString("email");
        assertTrue(!annHas.equals(bobHas), "never one address for two customers: " + annHas);
        for (String held : List.of(annHas, bobHas)) {
            assertEquals(409, second.post("/customers", registration(held)).statusCode(), held + " is held");
        }
    }

    /** Starts {@code target/ordo.jar} on this keyspace, set to halt at {@code point}. */
    private static Process serverHaltingAt(String point, int port, Path dir) throws IOException, InterruptedException {
        return ServerProcess.start(dir, port, new JsonObject()
                        .put("mode", "external")
                        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 1))
                        .put("store", new JsonObject().put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                                .put("keyspace", KEYSPACE))
                        .put("relay", new JsonObject().put("enabled", false)),
                "-Dordo.fault.haltAt=" + point);
    }

    private static void sendAndDie(String point, Path dir, String path, JsonObject body, String key) throws Exception {
        sendAndDie(point, dir, "POST", path, body, key);
    }

    private static void sendAndDie(String point, Path dir, String method, String path, JsonObject body, String key)
            throws Exception {
        int port = ChildJvm.freePort();
        Process server = serverHaltingAt(point, port, dir);
        try {
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Content-Type", "application/json").header("Idempotency-Key", key)
                    .method(method, HttpRequest.BodyPublishers.ofString(body.encode())).timeout(Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (IOException expected) {
            // the server died mid-request
        }
        boolean halted = server.waitFor(30, TimeUnit.SECONDS);
        if (!halted) {
            server.destroyForcibly();
        }
        assertTrue(halted, "the server halted at " + point);
    }

    @Test
    void aKeyWhoseServerDiedAfterTheCommitIsAnsweredWithThatCommitOnAnotherInstance(@TempDir Path dir) throws Exception {
        String key = "register-" + UUID.randomUUID();
        JsonObject body = registration(email("crash"));
        sendAndDie("AFTER_COMMIT", dir, "/customers", body, key);

        HttpResponse<Buffer> retry = Eventually.value(PAST_THE_LEASE, "the dead run's claim settled",
                () -> keyed(first, HttpMethod.POST, "/customers", body, key), response -> response.statusCode() != 409
                        || !"IDEMPOTENCY_KEY_IN_PROGRESS".equals(response.bodyAsJsonObject().getString("code")));
        assertEquals(201, retry.statusCode(), "the first run committed: " + retry.bodyAsString());
        assertEquals("true", retry.getHeader("Idempotent-Replayed"));
        String id = retry.bodyAsJsonObject().getString("customerId");
        assertEquals(1, second.get("/customers/" + id + "/events").bodyAsJsonObject().getJsonArray("events").size());
    }

    @Test
    void aKeyedRetryAfterItsServerDiedCannotRevertAChangeMadeSince(@TempDir Path dir) throws Exception {
        String order = newOrder();
        String key = "items-" + UUID.randomUUID();
        sendAndDie("AFTER_COMMIT", dir, "PUT", "/orders/" + order + "/items", items(2), key);
        assertEquals(3, version(second.put("/orders/" + order + "/items", items(3))), "another client's change since");

        HttpResponse<Buffer> retry = Eventually.value(PAST_THE_LEASE, "the dead run's claim settled",
                () -> keyed(first, HttpMethod.PUT, "/orders/" + order + "/items", items(2), key),
                response -> response.statusCode() != 409);
        assertEquals(200, retry.statusCode(), retry.bodyAsString());
        assertEquals("true", retry.getHeader("Idempotent-Replayed"));
        assertEquals(2, version(retry), "the first run's outcome, at its version");
        assertEquals(3, first.get("/orders/" + order).bodyAsJsonObject().getJsonArray("items").getJsonObject(0)
                .getInteger("quantity"), "the change made since stands");
        assertEquals(3, first.get("/orders/" + order + "/events").bodyAsJsonObject().getJsonArray("events").size());
    }

    @Test
    void anAddressReservedByAServerThatDiedBeforeCommittingIsTakenOverAfterTheLease(@TempDir Path dir) throws Exception {
        String address = email("abandoned");
        sendAndDie("BEFORE_COMMIT", dir, "/customers", registration(address), "doomed-" + UUID.randomUUID());

        HttpResponse<Buffer> registered = Eventually.value(PAST_THE_LEASE, "the abandoned reservation taken over",
                () -> second.post("/customers", registration(address)), response -> response.statusCode() == 201);
        assertEquals(201, registered.statusCode());
        assertEquals(409, first.post("/customers", registration(address)).statusCode(), "and held now");
    }
}
