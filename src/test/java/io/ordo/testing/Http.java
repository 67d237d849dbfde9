package io.ordo.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.Map;

import static io.ordo.testing.StoreFixture.await;

/** Blocking HTTP calls for tests. */
public final class Http {

    private final WebClient client;

    public Http(WebClient client) {
        this.client = client;
    }

    public HttpResponse<Buffer> get(String path) {
        return await(client.get(path).send());
    }

    public HttpResponse<Buffer> post(String path, JsonObject body) {
        return send(HttpMethod.POST, path, body == null ? null : body.encode(), Map.of());
    }

    public HttpResponse<Buffer> put(String path, JsonObject body) {
        return send(HttpMethod.PUT, path, body.encode(), Map.of());
    }

    public HttpResponse<Buffer> send(HttpMethod method, String path, String body, Map<String, String> headers) {
        HttpRequest<Buffer> request = client.request(method, path);
        headers.forEach(request::putHeader);
        if (body == null) {
            return await(request.send());
        }
        if (!headers.containsKey("Content-Type")) {
            request.putHeader("Content-Type", "application/json");
        }
        return await(request.sendBuffer(Buffer.buffer(body)));
    }

    /** Registers a customer and answers its id. */
    public String customer(String email) {
        HttpResponse<Buffer> response = post("/customers",
                new JsonObject().put("email", email).put("firstName", "Ann").put("lastName", "Lee"));
        if (response.statusCode() != 201) {
            throw new AssertionError("customer not registered: " + response.statusCode() + " " + response.bodyAsString());
        }
        return response.bodyAsJsonObject().getString("customerId");
    }
}
