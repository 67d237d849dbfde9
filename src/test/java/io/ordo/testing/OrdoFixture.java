package io.ordo.testing;

import io.ordo.Ordo;
import io.ordo.config.OrdoConfig;
import io.ordo.store.FaultInjector;
import io.ordo.embedded.EmbeddedCassandra;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import static io.ordo.testing.StoreFixture.await;

/**
 * A whole Ordo (store, aggregate and HTTP verticles) on the shared test Cassandra, in a keyspace of
 * its own and on a free port, with a web client pointed at it.
 */
public final class OrdoFixture implements AutoCloseable {

    public final Vertx vertx;
    public final Ordo ordo;
    public final int port;
    public final WebClient client;

    private OrdoFixture(Vertx vertx, Ordo ordo, int port) {
        this.vertx = vertx;
        this.ordo = ordo;
        this.port = port;
        this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
                new PoolOptions().setHttp1MaxSize(64));
    }

    public static OrdoFixture start(Class<?> owner) {
        return start(owner, new JsonObject());
    }

    /** {@code overrides} are merged into each configuration section (e.g. aggregates.groupCommit). */
    public static OrdoFixture start(Class<?> owner, JsonObject overrides) {
        return start(owner, overrides, new VertxOptions());
    }

    /** As {@link #start(Class, JsonObject)}, on a Vert.x instance created with {@code options}. */
    public static OrdoFixture start(Class<?> owner, JsonObject overrides, VertxOptions options) {
        return start(owner, overrides, options, FaultInjector.NONE);
    }

    /** As {@link #start(Class, JsonObject)}, with faults injected at the store's and the relay's seams. */
    public static OrdoFixture start(Class<?> owner, JsonObject overrides, FaultInjector faults) {
        return start(owner, overrides, new VertxOptions(), faults);
    }

    private static OrdoFixture start(Class<?> owner, JsonObject overrides, VertxOptions options, FaultInjector faults) {
        int port = EmbeddedCassandra.freePort();
        JsonObject config = new JsonObject()
                .put("mode", "external")
                .put("http", new JsonObject().put("port", port).put("host", "127.0.0.1").put("instances", 1))
                .put("aggregates", new JsonObject().put("instances", 2))
                .put("relay", new JsonObject().put("enabled", false))
                .put("store", new JsonObject()
                        .put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                        .put("keyspace", "it_" + owner.getSimpleName().toLowerCase())
                        .put("requestTimeoutMs", 20_000));
        overrides.forEach(section -> config.put(section.getKey(),
                config.getJsonObject(section.getKey(), new JsonObject()).mergeIn((JsonObject) section.getValue())));
        Vertx vertx = Vertx.vertx(options);
        Ordo ordo = await(Ordo.builder(vertx, OrdoConfig.fromJson(config))
                .modules(Ordo.ordersAndCustomers()).faults(faults).deploy());
        return new OrdoFixture(vertx, ordo, port);
    }

    @Override
    public void close() {
        client.close();
        await(ordo.undeploy());
        await(vertx.close());
    }
}
