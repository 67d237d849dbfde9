package io.ordo.http;

import io.ordo.config.OrdoConfig;
import io.ordo.ops.Health;
import io.ordo.ops.OrdoMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/** Serves {@link HttpApi} on the configured port; deployed once per event loop that should serve. */
public final class HttpVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

    private static final long SHUTDOWN_SECONDS = 10;

    private final OrdoConfig config;
    private final HttpApi.Contract contract;
    private final OrdoMetrics metrics;
    private final Health health;
    private HttpServer server;

    public HttpVerticle(OrdoConfig config, HttpApi.Contract contract, OrdoMetrics metrics, Health health) {
        this.config = config;
        this.contract = contract;
        this.metrics = metrics;
        this.health = health;
    }

    @Override
    public Future<?> start() {
        server = vertx.createHttpServer(new HttpServerOptions()
                .setHost(config.http().host())
                .setPort(config.http().port())
                .setCompressionSupported(true));
        return server.requestHandler(HttpApi.router(vertx, config, contract, metrics, health)).listen()
                .onSuccess(s -> LOG.debug("HTTP listening on {}:{}", config.http().host(), s.actualPort()));
    }

    @Override
    public Future<?> stop() {
        // Graceful: no new connections; requests in flight (commands among them) get their answers.
        return server == null ? Future.succeededFuture() : server.shutdown(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
    }
}
