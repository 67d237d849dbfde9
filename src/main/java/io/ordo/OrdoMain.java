package io.ordo;

import io.ordo.cluster.HazelcastCluster;
import io.ordo.config.OrdoConfig;
import io.ordo.ops.OrdoMetrics;
import io.ordo.store.FaultInjector;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fat jar's entry point: {@code java -jar target/ordo.jar}. Reads the configuration, deploys
 * Ordo (in embedded mode it first starts its own Cassandra) and stops everything on SIGTERM/Ctrl-C.
 */
public final class OrdoMain {

    private static final Logger LOG = LoggerFactory.getLogger(OrdoMain.class);
    /** Beyond Ordo's own shutdown budget, what the JVM's exit waits for the rest (closing Vert.x). */
    private static final Duration SHUTDOWN_SLACK = Duration.ofSeconds(2);

    private OrdoMain() {
    }

    public static void main(String[] args) {
        long started = System.nanoTime();
        OrdoConfig config;
        // The configuration sizes the Vert.x that runs Ordo, so a small one reads it first.
        Vertx reader = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        try {
            // Waiting is fine here: this is the JVM's main thread, not an event loop.
            config = readConfig(reader).toCompletionStage().toCompletableFuture().join();
        } catch (CompletionException e) {
            LOG.error("Ordo did not start: {}", e.getCause().getMessage());
            reader.close();
            System.exit(1);
            return;
        }
        reader.close();
        // Vert.x's own meters join Ordo's at /metrics.
        VertxOptions options = OrdoMetrics.vertxOptions().setEventLoopPoolSize(config.eventLoops());
        Vertx vertx;
        HazelcastClusterManager manager = null;
        if (config.cluster().enabled()) {
            manager = HazelcastCluster.manager(config.cluster());
            options.setEventBusOptions(new EventBusOptions().setHost(config.cluster().host())
                    .setPort(config.cluster().eventBusPort()));
            try {
                // The main thread, not an event loop: waiting for the cluster to form is fine here.
                vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered()
                        .toCompletionStage().toCompletableFuture().join();
            } catch (CompletionException e) {
                LOG.error("Ordo did not join its cluster: {}", e.getCause().getMessage());
                System.exit(1);
                return;
            }
        } else {
            vertx = Vertx.vertx(options);
        }
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        Ordo.Builder builder = Ordo.builder(vertx, config).modules(Ordo.ordersAndCustomers()).faults(faultsFromSystemProperty());
        if (manager != null) {
            builder.cluster(manager);
        }
        Future<Ordo> deployed = builder.deploy();
        deployed.onSuccess(ordo -> {
            LOG.info("Ordo is up in {} ms: http://{}:{}/ ({} mode)", (System.nanoTime() - started) / 1_000_000,
                    ordo.config().http().host(), ordo.config().http().port(), ordo.config().mode().name().toLowerCase());
            // The embedded Cassandra and Kafka have shutdown hooks of their own, run alongside this one:
            // they must wait for the graceful stop below, which needs them and stops them last.
            Duration budget = Duration.ofMillis(ordo.config().shutdownTimeoutMs()).plus(SHUTDOWN_SLACK);
            ordo.stopChildrenOnJvmExitAfter(stopped, budget);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                LOG.info("Stopping Ordo (within {} ms)", ordo.config().shutdownTimeoutMs());
                long begin = System.nanoTime();
                ordo.undeploy().onComplete(done -> {
                    stopped.complete(null);
                    vertx.close(); // nothing of Ordo's left to wait for; the JVM exits once this hook returns
                });
                try {
                    stopped.get(budget.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("Stopped Ordo in {} ms", (System.nanoTime() - begin) / 1_000_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    LOG.warn("Ordo did not stop within {}", budget);
                }
            }, "ordo-shutdown"));
        }).onFailure(failure -> {
            LOG.error("Ordo did not start: {}", failure.getMessage(), failure);
            vertx.close().onComplete(done -> System.exit(1));
        });
    }

    /** Defaults from the jar's conf/config.json, a conf/config.json beside it (or -Dordo.config), then ORDO_* variables. */
    static Future<OrdoConfig> readConfig(Vertx vertx) {
        ConfigRetrieverOptions options = new ConfigRetrieverOptions()
                .setScanPeriod(0)
                .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults()));
        String named = System.getProperty("ordo.config");
        Path override = Path.of(named != null ? named : "conf/config.json");
        if (named != null && !Files.isRegularFile(override)) {
            return Future.failedFuture("-Dordo.config names " + override.toAbsolutePath() + ", which is not a file");
        }
        if (Files.isRegularFile(override)) {
            options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
                    .setConfig(new JsonObject().put("path", override.toString())));
        }
        ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
        return retriever.getConfig()
                .map(json -> OrdoConfig.fromJson(OrdoConfig.withEnvironment(json, System.getenv())))
                .eventually(retriever::close);
    }

    private static JsonObject defaults() {
        try (var in = OrdoMain.class.getResourceAsStream("/conf/config.json")) {
            return in == null ? new JsonObject() : new JsonObject(new String(in.readAllBytes()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code -Dordo.fault.haltAt=AFTER_OUTBOX|AFTER_COMMIT}: for crash tests only. */
    private static FaultInjector faultsFromSystemProperty() {
        String point = System.getProperty("ordo.fault.haltAt");
        return point == null ? FaultInjector.NONE : FaultInjector.haltAt(FaultInjector.Point.valueOf(point));
    }
}
