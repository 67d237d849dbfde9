package io.ordo;

import io.ordo.embedded.EmbeddedCassandra;
import io.ordo.testing.TestCassandra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A host Vert.x application with routes of its own mounts Ordo's API under /ordo. */
class EmbeddingIT {

    @Test
    void aHostApplicationServesOrdoBesideItsOwnRoutes() {
        Vertx vertx = Vertx.vertx();
        int port = EmbeddedCassandra.freePort();
        Ordo ordo = await(Ordo.deploy(vertx, new JsonObject()
                .put("mode", "external")
                .put("http", new JsonObject().put("enabled", false))
                .put("relay", new JsonObject().put("enabled", false))
                .put("store", new JsonObject()
                        .put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                        .put("keyspace", "it_embedding"))));
        try {
            Router host = Router.router(vertx);
            host.get("/hello").handler(ctx -> ctx.end("hello from the host"));
            host.route("/ordo/*").subRouter(ordo.router());
            HttpServer server = await(vertx.createHttpServer().requestHandler(host).listen(port, "127.0.0.1"));
            WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));

            assertEquals("hello from the host", await(client.get("/hello").send()).bodyAsString());
            HttpResponse<Buffer> registered = await(client.post("/ordo/customers").sendJsonObject(new JsonObject()
                    .put("email", "host-" + UUID.randomUUID() + "@example.com").put("firstName", "Ann").put("lastName", "Lee")));
            assertEquals(201, registered.statusCode(), registered.bodyAsString());
            String id = registered.bodyAsJsonObject().getString("customerId");
            assertEquals("ACTIVE", await(client.get("/ordo/customers/" + id).send()).bodyAsJsonObject().getString("status"));
            assertEquals(404, await(client.get("/nowhere").send()).statusCode());

            client.close();
            await(server.close());
        } finally {
            await(ordo.undeploy());
            await(vertx.close());
        }
    }
}
