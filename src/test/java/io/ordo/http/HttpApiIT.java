package io.ordo.http;

import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API over real verticles and the real embedded Cassandra. */
class HttpApiIT {

    private static OrdoFixture ordo;
    private static Http http;

    @BeforeAll
    static void start() {
        ordo = OrdoFixture.start(HttpApiIT.class);
        http = new Http(ordo.client);
    }

    @AfterAll
    static void stop() {
        ordo.close();
    }

    private static JsonObject items(int quantity) {
        return new JsonObject().put("items", new JsonArray().add(new JsonObject()
                .put("productId", UUID.randomUUID().toString()).put("quantity", quantity)
                .put("unitPrice", new JsonObject().put("amountMinor", 1250).put("currency", "EUR"))));
    }

    private static String order(String customerId) {
        HttpResponse<Buffer> created = http.post("/orders", items(2).put("customerId", customerId));
        assertEquals(201, created.statusCode(), created.bodyAsString());
        return created.bodyAsJsonObject().getString("orderId");
    }

    private static void assertProblem(HttpResponse<Buffer> response, int status, String code) {
        assertEquals(status, response.statusCode(), response.bodyAsString());
        assertEquals("application/problem+json", response.getHeader("Content-Type"));
        JsonObject problem = response.bodyAsJsonObject();
        assertEquals(code, problem.getString("code"), response.bodyAsString());
        assertEquals(status, problem.getInteger("status"));
    }

    @Test
    void anOrdersWholeLife() {
        String customer = http.customer("life-" + UUID.randomUUID() + "@example.com");
        UUID correlation = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        HttpResponse<Buffer> created = http.send(HttpMethod.POST, "/orders",
                items(2).put("customerId", customer).encode(),
                Map.of("X-Correlation-Id", correlation.toString(), "X-User-Id", user.toString()));

        assertEquals(201, created.statusCode(), created.bodyAsString());
        String id = created.bodyAsJsonObject().getString("orderId");
        assertEquals("/orders/" + id, created.getHeader("Location"));
        assertEquals("\"1\"", created.getHeader("ETag"));
        assertEquals(correlation.toString(), created.getHeader("X-Correlation-Id"));
        JsonObject state = created.bodyAsJsonObject();
        assertEquals("CREATED", state.getString("status"));
        assertEquals(new JsonObject().put("amountMinor", 2500).put("currency", "EUR"), state.getJsonObject("total"));

        assertEquals(200, http.put("/orders/" + id + "/items", items(5).put("reason", "more")).statusCode());
        assertEquals(200, http.post("/orders/" + id + "/confirm", null).statusCode());
        assertEquals(200, http.post("/orders/" + id + "/ship",
                new JsonObject().put("trackingNumber", "TRACK-1").put("carrier", "DHL")).statusCode());
        HttpResponse<Buffer> delivered = http.post("/orders/" + id + "/deliver", new JsonObject().put("signature", "J. Doe"));
        assertEquals(200, delivered.statusCode());
        assertEquals("\"5\"", delivered.getHeader("ETag"));

        JsonObject now = http.get("/orders/" + id).bodyAsJsonObject();
        assertEquals("DELIVERED", now.getString("status"));
        assertEquals(5, now.getLong("version"));
        assertEquals("TRACK-1", now.getString("trackingNumber"));
        assertEquals("J. Doe", now.getString("deliverySignature"));

        JsonArray events = http.get("/orders/" + id + "/events").bodyAsJsonObject().getJsonArray("events");
        assertEquals(5, events.size());
        JsonObject first = events.getJsonObject(0);
        assertEquals("OrderCreated", first.getString("eventType"));
        assertEquals(1, first.getLong("sequenceNumber"));
        assertEquals(correlation.toString(), first.getString("correlationId"));
        assertEquals(user.toString(), first.getString("userId"));
        assertEquals("Order", first.getString("aggregateType"));
        Set<String> causes = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            causes.add(events.getJsonObject(i).getString("causationId"));
            assertEquals(i + 1, events.getJsonObject(i).getLong("sequenceNumber"));
        }
        assertEquals(5, causes.size(), "each command's id is its event's causation id");
    }

    @Test
    void eachBusinessRuleHasItsStatusAndCode() {
        String customer = http.customer("rules-" + UUID.randomUUID() + "@example.com");
        String id = order(customer);

        assertProblem(http.post("/orders/" + id + "/ship", new JsonObject().put("trackingNumber", "T").put("carrier", "C")),
                409, "ORDER_NOT_CONFIRMED");
        assertProblem(http.post("/orders/" + id + "/deliver", null), 409, "ORDER_NOT_SHIPPED");
        assertEquals(200, http.post("/orders/" + id + "/confirm", null).statusCode());
        HttpResponse<Buffer> twice = http.post("/orders/" + id + "/confirm", null);
        assertProblem(twice, 409, "ORDER_ALREADY_CONFIRMED");
        assertEquals(2, twice.bodyAsJsonObject().getLong("currentVersion"));
        assertProblem(http.put("/orders/" + id + "/items", items(1)), 409, "ORDER_NOT_MODIFIABLE");
        assertProblem(http.post("/orders/" + id + "/ship", new JsonObject().put("trackingNumber", " ").put("carrier", "C")),
                400, "SHIPMENT_TRACKING_REQUIRED");

        assertProblem(http.post("/orders/" + UUID.randomUUID() + "/confirm", null), 404, "ORDER_NOT_FOUND");
        assertProblem(http.get("/orders/" + UUID.randomUUID()), 404, "ORDER_NOT_FOUND");
        assertProblem(http.post("/orders", items(0).put("customerId", customer)), 400, "ITEM_QUANTITY_INVALID");
        assertProblem(http.post("/orders", new JsonObject().put("customerId", customer).put("items", new JsonArray())),
                400, "ORDER_ITEMS_REQUIRED");
        assertProblem(http.post("/orders", items(1).put("customerId", UUID.randomUUID().toString())),
                422, "ORDER_CUSTOMER_UNKNOWN");

        String cancelled = order(customer);
        assertEquals(200, http.post("/orders/" + cancelled + "/cancel", new JsonObject().put("reason", "changed mind")).statusCode());
        assertProblem(http.post("/orders/" + cancelled + "/confirm", null), 409, "ORDER_CANCELLED");
    }

    @Test
    void customersHaveTheirRulesToo() {
        String email = "taken-" + UUID.randomUUID() + "@example.com";
        String customer = http.customer(email);
        assertProblem(http.post("/customers", new JsonObject().put("email", email.toUpperCase())
                .put("firstName", "Bob").put("lastName", "Kay")), 409, "CUSTOMER_EMAIL_TAKEN");
        assertProblem(http.post("/customers", new JsonObject().put("email", "not-an-email")
                .put("firstName", "Bob").put("lastName", "Kay")), 400, "EMAIL_INVALID");
        assertProblem(http.put("/customers/" + customer, new JsonObject().put("firstName", "").put("lastName", "Lee")),
                400, "CUSTOMER_NAME_REQUIRED");

        String moved = "moved-" + UUID.randomUUID() + "@example.com";
        assertEquals(200, http.post("/customers/" + customer + "/email", new JsonObject().put("email", moved)).statusCode());
        http.customer(email); // the old address is free again

        assertEquals(200, http.post("/customers/" + customer + "/deactivate", new JsonObject().put("reason", "fraud")).statusCode());
        assertProblem(http.post("/orders", items(1).put("customerId", customer)), 422, "ORDER_CUSTOMER_INACTIVE");
        assertProblem(http.put("/customers/" + customer, new JsonObject().put("firstName", "A").put("lastName", "B")),
                409, "CUSTOMER_DEACTIVATED");
        JsonObject reactivated = http.post("/customers/" + customer + "/reactivate", null).bodyAsJsonObject();
        assertEquals("ACTIVE", reactivated.getString("status"));
        assertEquals(moved, http.get("/customers/" + customer).bodyAsJsonObject().getString("email"));
    }

    @Test
    void anIdempotencyKeyReplaysTheFirstAnswer() {
        String customer = http.customer("idem-" + UUID.randomUUID() + "@example.com");
        String key = UUID.randomUUID().toString();
        String body = items(3).put("customerId", customer).encode();

        HttpResponse<Buffer> first = http.send(HttpMethod.POST, "/orders", body, Map.of("Idempotency-Key", key));
        HttpResponse<Buffer> again = http.send(HttpMethod.POST, "/orders", body, Map.of("Idempotency-Key", key));

        assertEquals(201, first.statusCode());
        assertEquals(201, again.statusCode(), again.bodyAsString());
        assertEquals("true", again.getHeader("Idempotent-Replayed"));
        String id = first.bodyAsJsonObject().getString("orderId");
        assertEquals(id, again.bodyAsJsonObject().getString("orderId"));
        assertEquals(1, http.get("/orders/" + id + "/events").bodyAsJsonObject().getJsonArray("events").size());

        String confirmKey = UUID.randomUUID().toString();
        assertEquals(200, http.send(HttpMethod.POST, "/orders/" + id + "/confirm", null, Map.of("Idempotency-Key", confirmKey)).statusCode());
        HttpResponse<Buffer> replayed = http.send(HttpMethod.POST, "/orders/" + id + "/confirm", null, Map.of("Idempotency-Key", confirmKey));
        assertEquals(200, replayed.statusCode(), replayed.bodyAsString());
        assertEquals(2, http.get("/orders/" + id).bodyAsJsonObject().getLong("version"), "no second event");

        assertProblem(http.send(HttpMethod.POST, "/orders", items(9).put("customerId", customer).encode(),
                Map.of("Idempotency-Key", key)), 422, "IDEMPOTENCY_KEY_REUSED");
    }

    @Test
    void concurrentRetriesWithOneKeyMakeOneChange() {
        String id = order(http.customer("retry-" + UUID.randomUUID() + "@example.com"));
        String key = UUID.randomUUID().toString();
        JsonObject body = items(4).put("reason", "retried");
        // Other commands keep the order busy, so that the retries queue up and meet in one batch.
        List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            all.add(i % 5 == 4
                    ? ordo.client.put("/orders/" + id + "/items").putHeader("Idempotency-Key", key).sendJsonObject(body)
                    : ordo.client.put("/orders/" + id + "/items").sendJsonObject(items(i + 1)));
        }
        for (Future<HttpResponse<Buffer>> response : all) {
            assertEquals(200, await(response).statusCode());
        }
        assertEquals(1 + 32 + 1, http.get("/orders/" + id).bodyAsJsonObject().getLong("version"),
                "32 other changes and one for the eight retries");
    }

    @Test
    void ifMatchGuardsTheVersion() {
        String id = order(http.customer("match-" + UUID.randomUUID() + "@example.com"));
        HttpResponse<Buffer> stale = http.send(HttpMethod.POST, "/orders/" + id + "/confirm", null, Map.of("If-Match", "\"7\""));
        assertProblem(stale, 412, "VERSION_MISMATCH");
        assertEquals(1, stale.bodyAsJsonObject().getLong("currentVersion"));
        assertEquals(1, http.get("/orders/" + id).bodyAsJsonObject().getLong("version"), "nothing changed");

        assertEquals(200, http.send(HttpMethod.POST, "/orders/" + id + "/confirm", null, Map.of("If-Match", "\"1\"")).statusCode());
        assertProblem(http.send(HttpMethod.POST, "/orders/" + id + "/cancel", null, Map.of("If-Match", "yesterday")),
                400, "INVALID_HEADER");
    }

    @Test
    void timeTravelShowsTheOrderAsItWas() throws InterruptedException {
        String id = order(http.customer("travel-" + UUID.randomUUID() + "@example.com"));
        Thread.sleep(20);
        Instant afterCreate = Instant.now();
        Thread.sleep(20);
        http.post("/orders/" + id + "/confirm", null);
        http.post("/orders/" + id + "/ship", new JsonObject().put("trackingNumber", "T").put("carrier", "C"));

        assertEquals("CONFIRMED", http.get("/orders/" + id + "?version=2").bodyAsJsonObject().getString("status"));
        HttpResponse<Buffer> then = http.get("/orders/" + id + "?at=" + afterCreate);
        assertEquals("CREATED", then.bodyAsJsonObject().getString("status"));
        assertEquals("\"1\"", then.getHeader("ETag"));
        assertEquals("SHIPPED", http.get("/orders/" + id).bodyAsJsonObject().getString("status"));
        assertProblem(http.get("/orders/" + id + "?version=9"), 404, "ORDER_NOT_FOUND");
        assertProblem(http.get("/orders/" + id + "?at=" + Instant.parse("2000-01-01T00:00:00Z")), 404, "ORDER_NOT_FOUND");
        assertProblem(http.get("/orders/" + id + "?at=noon"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/orders/" + id + "?version=-1"), 400, "INVALID_PARAMETER");
    }

    @Test
    void eventsComeInPages() {
        String id = order(http.customer("pages-" + UUID.randomUUID() + "@example.com"));
        for (int i = 0; i < 24; i++) {
            assertEquals(200, http.put("/orders/" + id + "/items", items(i + 1)).statusCode());
        }
        JsonObject page1 = http.get("/orders/" + id + "/events?limit=10").bodyAsJsonObject();
        assertEquals(10, page1.getJsonArray("events").size());
        assertEquals(11, page1.getLong("next"));
        JsonObject page3 = http.get("/orders/" + id + "/events?from=21&limit=10").bodyAsJsonObject();
        assertEquals(5, page3.getJsonArray("events").size());
        assertEquals(21, page3.getJsonArray("events").getJsonObject(0).getLong("sequenceNumber"));
        assertNull(page3.getValue("next"));
        assertProblem(http.get("/orders/" + UUID.randomUUID() + "/events"), 404, "ORDER_NOT_FOUND");
        assertProblem(http.get("/orders/" + UUID.randomUUID() + "/events?from=5"), 404, "ORDER_NOT_FOUND");
        JsonObject pastTheEnd = http.get("/orders/" + id + "/events?from=" + Long.MAX_VALUE).bodyAsJsonObject();
        assertEquals(0, pastTheEnd.getJsonArray("events").size());
        assertNull(pastTheEnd.getValue("next"));
    }

    @Test
    void anIdOfAnotherKindIsNotFound() {
        String customer = http.customer("kind-" + UUID.randomUUID() + "@example.com");
        assertProblem(http.get("/orders/" + customer), 404, "ORDER_NOT_FOUND");
        assertProblem(http.post("/orders/" + customer + "/confirm", null), 404, "ORDER_NOT_FOUND");
        assertNotEquals(500, http.get("/customers/" + customer).statusCode());
    }

    @Test
    void requestsAreValidatedAgainstTheOpenApiDocument() {
        String customer = http.customer("contract-" + UUID.randomUUID() + "@example.com");
        JsonObject wrongType = new JsonObject().put("customerId", customer).put("items", new JsonArray()
                .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", "2")));
        HttpResponse<Buffer> invalid = http.post("/orders", wrongType);
        assertProblem(invalid, 400, "INVALID_FIELD");
        assertTrue(invalid.bodyAsJsonObject().getString("detail").startsWith("/items/0/quantity"), invalid.bodyAsString());

        HttpResponse<Buffer> unknown = http.post("/orders", items(1).put("customerId", customer).put("colour", "red"));
        assertProblem(unknown, 400, "UNKNOWN_FIELD");
        assertProblem(http.get("/orders/" + UUID.randomUUID() + "/events?limit=5000"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/orders/not-a-uuid"), 400, "INVALID_PARAMETER");
    }

    @Test
    void oddPathsAreRefusedClearlyNeverWithA500() throws IOException {
        for (String path : List.of("/orders/..%2f..%2fetc", "/orders/..%2F..%2Fetc%2Fpasswd", "/orders/%2e%2e%2f%2e%2e",
                "/orders/../../etc", "/orders/%2e%2e/%2e%2e/etc", "/orders/..%2f..%2fetc/events", "/orders/%00",
                "/orders/%zz", "/orders/%", "orders/x", "*", "/customers/..%2f..%2fetc/email", "/orders/a%2fb/events",
                "/%2e%2e/%2e%2e/etc", "/orders//confirm", "/ws/orders/..%2fx",
                "/orders/\u00e9", "/orders/%c3%28")) {
            for (String method : List.of("GET", "POST")) {
                String answer = raw(method + " " + path + " HTTP/1.1\r\nHost: ordo\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n");
                int status = Integer.parseInt(answer.substring(9, 12));
                assertTrue(status >= 400 && status < 500, method + " " + path + " answered " + answer);
                assertTrue(answer.toLowerCase().contains("content-type: application/problem+json"),
                        method + " " + path + " answered without a problem: " + answer);
            }
        }
        // What the HTTP codec refuses before any handler (a space in the target, a target too long) is a 4xx too.
        for (String target : List.of("/orders/x y", "/orders/" + "a".repeat(9_000))) {
            String answer = raw("GET " + target + " HTTP/1.1\r\nHost: ordo\r\nConnection: close\r\n\r\n");
            int status = Integer.parseInt(answer.substring(9, 12));
            assertTrue(status >= 400 && status < 500, target.substring(0, 11) + " answered " + answer);
        }
    }

    /** Sends {@code request} as written (no client normalizes its path) and answers the server's whole answer. */
    private static String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", ordo.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theOpenApiDocumentIsServed() {
        HttpResponse<Buffer> doc = http.get("/openapi.yaml");
        assertEquals(200, doc.statusCode());
        assertTrue(doc.bodyAsString().contains("operationId: createOrder"));
    }
}
