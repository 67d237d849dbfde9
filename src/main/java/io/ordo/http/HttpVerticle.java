package io.ordo.http;

import io.ordo.config.OrdoConfig;
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
    private final HttpApi.Wiring wiring;
    private HttpServer server;

    public HttpVerticle(HttpApi.Wiring wiring) {
        this.config = wiring.config();
        this.wiring = wiring;
    }

    @Override
    public Future<?> start() {
        server = vertx.createHttpServer(new HttpServerOptions()
                .setHost(config.http().host())
                .setPort(config.http().port())
                .setCompressionSupported(true));
        return server.requestHandler(HttpApi.router(vertx, wiring)).listen()
                .onSuccess(s -> LOG.debug("HTTP listening on {}:{}", config.http().host(), s.actualPort()));
    }

    @Override
    public Future<?> stop() {
        // Graceful: no new connections; requests in flight (commands among them) get their answers.
        return server == null ? Future.succeededFuture() : server.shutdown(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
    }
}
