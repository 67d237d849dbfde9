package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

/** Opens the driver session described by a {@link StoreConfig}, without blocking. */
public final class CqlSessions {

    /** Beyond this many waiting requests the driver refuses more: a backlog that large is an outage, not a burst. */
    private static final int MAX_QUEUED_REQUESTS = 100_000;

    private CqlSessions() {
    }

    public static Future<CqlSession> open(Vertx vertx, StoreConfig config) {
        DriverConfigLoader loader = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, config.requestTimeout())
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY, config.consistency().name())
                .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, config.serialConsistency().name())
                // DDL waits for this debounce window; the default second makes schema setup crawl.
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ofMillis(10))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, config.requestTimeout())
                // A node back from a restart is used again within seconds (the default waits up to a minute).
                .withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(500))
                .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(5))
                // A burst (a relay draining a backlog, a projection applying a 2,000-record poll) can ask for
                // more requests than a connection's 1,024 stream ids: queued here instead of failing with
                // "no connection was available" and being retried after a backoff. (Time queued counts toward
                // the request timeout: a queue that cannot drain in time is an overload, and fails as one.)
                .withString(DefaultDriverOption.REQUEST_THROTTLER_CLASS, "ConcurrencyLimitingRequestThrottler")
                .withInt(DefaultDriverOption.REQUEST_THROTTLER_MAX_CONCURRENT_REQUESTS, config.maxConcurrentRequests())
                .withInt(DefaultDriverOption.REQUEST_THROTTLER_MAX_QUEUE_SIZE, MAX_QUEUED_REQUESTS)
                .build();
        CqlSessionBuilder builder = CqlSession.builder()
                .withLocalDatacenter(config.localDatacenter())
                .withConfigLoader(loader);
        config.contactPoints().forEach(point ->
                builder.addContactPoint(new InetSocketAddress(point.getHostString(), point.getPort())));
        if (config.username() != null) {
            builder.withAuthCredentials(config.username(), config.password());
        }
        if (config.tls()) {
            try {
                // The JVM's trust store: -Djavax.net.ssl.trustStore=... names a private CA's.
                builder.withSslContext(SSLContext.getDefault());
            } catch (NoSuchAlgorithmException e) {
                return Future.failedFuture(e);
            }
        }
        return Cql.future(vertx, builder.buildAsync());
    }
}
