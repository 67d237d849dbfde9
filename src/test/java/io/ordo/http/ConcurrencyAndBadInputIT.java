package io.ordo.http;

import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many concurrent commands on one order, and a flood of malformed requests. */
class ConcurrencyAndBadInputIT {

    private static OrdoFixture ordo;
    private static Http http;
    private static String customer;

    @BeforeAll
    static void start() {
        ordo = OrdoFixture.start(ConcurrencyAndBadInputIT.class);
        http = new Http(ordo.client);
        customer = http.customer("load-" + UUID.randomUUID() + "@example.com");
    }

    @AfterAll
    static void stop() {
        ordo.close();
    }

    private static JsonObject items(int quantity) {
        return new JsonObject().put("items", new JsonArray().add(new JsonObject()
                .put("productId", UUID.randomUUID().toString()).put("quantity", quantity)));
    }

    private static String order() {
        return http.post("/orders", items(1).put("customerId", customer)).bodyAsJsonObject().getString("orderId");
    }

    @Test
    void twoHundredConcurrentCommandsOnOneOrderGiveContiguousVersions() {
        String id = order();
        List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            HttpRequest<Buffer> request = ordo.client.put("/orders/" + id + "/items").putHeader("Content-Type", "application/json");
            // Item changes, and every tenth a shipment, which the unconfirmed order must refuse.
            inFlight.add(i % 10 == 9
                    ? ordo.client.post("/orders/" + id + "/ship").putHeader("Content-Type", "application/json")
                    .sendBuffer(new JsonObject().put("trackingNumber", "T").put("carrier", "C").toBuffer())
                    : request.sendBuffer(items(i + 1).toBuffer()));
        }
        int accepted = 0;
        for (Future<HttpResponse<Buffer>> future : inFlight) {
            HttpResponse<Buffer> response = await(future);
            assertTrue(response.statusCode() < 500, response.statusCode() + " " + response.bodyAsString());
            if (response.statusCode() == 200) {
                accepted++;
            } else {
                assertEquals(409, response.statusCode(), response.bodyAsString());
                assertTrue(response.bodyAsJsonObject().containsKey("code"));
            }
        }
        assertEquals(180, accepted);
        JsonArray events = http.get("/orders/" + id + "/events?limit=1000").bodyAsJsonObject().getJsonArray("events");
        assertEquals(accepted + 1, events.size(), "one event per accepted command, plus the creation");
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.getJsonObject(i).getLong("sequenceNumber"));
        }
        assertEquals(accepted + 1, http.get("/orders/" + id).bodyAsJsonObject().getLong("version"));
        System.out.printf("200 concurrent commands on one order: %d accepted, %d rejected%n", accepted, 200 - accepted);
    }

    @Test
    void aThousandMalformedRequestsNeverGiveA5xxNorWriteAnEvent() {
        String id = order();
        long versionBefore = http.get("/orders/" + id).bodyAsJsonObject().getLong("version");
        Random random = new Random(42);
        List<String> createdIds = new ArrayList<>();
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < 1_000; i++) {
            Malformed request = malformed(random, id, createdIds);
            HttpResponse<Buffer> response = http.send(request.method(), request.path(), request.body(), request.headers());
            String text = response.bodyAsString() == null ? "" : response.bodyAsString();
            assertTrue(response.statusCode() >= 400 && response.statusCode() < 500,
                    request + " -> " + response.statusCode() + " " + text);
            assertFalse(text.contains("Exception") || text.contains("\tat ") || text.contains("io.ordo."), text);
            if (!text.isEmpty()) {
                assertEquals("application/problem+json", response.getHeader("Content-Type"), request.toString());
                assertTrue(new JsonObject(text).containsKey("code"), text);
            }
            statuses.merge(response.statusCode(), 1, Integer::sum);
        }
        // Each kind of bad input met its own refusal: bad bodies, ids and parameters (400), unknown paths (404).
        assertTrue(statuses.keySet().containsAll(Set.of(400, 404)), "statuses seen: " + statuses);
        assertTrue(statuses.get(400) >= 500, "most of the requests are malformed bodies or parameters: " + statuses);
        assertEquals(versionBefore, http.get("/orders/" + id).bodyAsJsonObject().getLong("version"), "no event written");
        for (String created : createdIds) {
            assertEquals(404, http.get("/orders/" + created).statusCode(), "no order created from bad input");
        }
    }

    @Test
    void oversizedBodiesAndWrongContentTypesAreRefused() {
        String huge = new JsonObject().put("reason", "x".repeat(70_000)).encode();
        HttpResponse<Buffer> tooLarge = http.send(HttpMethod.POST, "/orders/" + order() + "/cancel", huge, Map.of());
        assertEquals(413, tooLarge.statusCode());
        assertEquals("BODY_TOO_LARGE", tooLarge.bodyAsJsonObject().getString("code"));

        HttpResponse<Buffer> text = http.send(HttpMethod.POST, "/orders", "customerId=1", Map.of("Content-Type", "text/plain"));
        assertEquals(415, text.statusCode());
        assertEquals("UNSUPPORTED_MEDIA_TYPE", text.bodyAsJsonObject().getString("code"));
    }

    private record Malformed(HttpMethod method, String path, String body, Map<String, String> headers) {
    }

    /** One bad request of many shapes: broken JSON, wrong types, unknown fields, huge numbers, bad ids, paths, methods. */
    private static Malformed malformed(Random random, String orderId, List<String> createdIds) {
        String newId = UUID.randomUUID().toString();
        String product = UUID.randomUUID().toString();
        String[] bodies = {
                "{", "[]", "null", "42", "\"text\"", "{\"customerId\":", "{\"items\":[}", "{{}}", "\u0000\u0001",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":\"many\"}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":1e40}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":99999999999999999999}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":1.5}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":\"2\"}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"nope\",\"quantity\":2}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"not-a-uuid\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":2}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":2,\"colour\":\"red\"}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":2}],\"extra\":true}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":2,\"unitPrice\":{\"amountMinor\":-5,\"currency\":\"EUR\"}}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":2,\"unitPrice\":{\"amountMinor\":5,\"currency\":\"euro\"}}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":\"" + customer + "\",\"items\":[{\"productId\":\"" + product + "\",\"quantity\":2,\"unitPrice\":12}]}",
                "{\"orderId\":\"" + newId + "\",\"customerId\":null,\"items\":[]}",
                "{\"orderId\":12,\"customerId\":\"" + customer + "\",\"items\":[]}",
        };
        int shape = random.nextInt(10);
        if (shape < 5) {
            createdIds.add(newId);
            return new Malformed(HttpMethod.POST, "/orders", bodies[random.nextInt(bodies.length)], Map.of());
        }
        if (shape == 5) {
            String[] commands = {"/items", "/ship", "/cancel", "/deliver"};
            String[] commandBodies = {"{\"items\":[{\"productId\":1,\"quantity\":1}]}", "{\"trackingNumber\":5,\"carrier\":[]}",
                    "{\"cancelledBy\":\"me\"}", "{\"signature\":{}}", "{\"reason\":false}", "[1,2]", "{"};
            String command = commands[random.nextInt(commands.length)];
            return new Malformed(command.equals("/items") ? HttpMethod.PUT : HttpMethod.POST, "/orders/" + orderId + command,
                    commandBodies[random.nextInt(commandBodies.length)], Map.of());
        }
        if (shape == 6) {
            String[] badIds = {"123", "not-a-uuid", "%00", "00000000-0000-0000-0000", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"};
            return new Malformed(HttpMethod.GET, "/orders/" + badIds[random.nextInt(badIds.length)], null, Map.of());
        }
        if (shape == 7) {
            String[] paths = {"/", "/order", "/orders/" + orderId + "/teleport", "/customers/x/y/z", "/admin", "/orders/" + orderId + "/events/1"};
            HttpMethod[] methods = {HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE, HttpMethod.PATCH};
            return new Malformed(methods[random.nextInt(methods.length)], paths[random.nextInt(paths.length)], null, Map.of());
        }
        if (shape == 8) {
            Map<String, String> headers = random.nextBoolean() ? Map.of("If-Match", "\"abc\"")
                    : random.nextBoolean() ? Map.of("X-Correlation-Id", "not-a-uuid") : Map.of("X-User-Id", "42");
            return new Malformed(HttpMethod.POST, "/orders/" + orderId + "/cancel", "{}", headers);
        }
        String[] queries = {"?version=abc", "?at=yesterday", "?version=1&at=2020-01-01T00:00:00Z", "/events?limit=0", "/events?from=-3"};
        return new Malformed(HttpMethod.GET, "/orders/" + orderId + queries[random.nextInt(queries.length)], null, Map.of());
    }
}
