package io.ordo.ops;

import io.ordo.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Supervision on a plain Vert.x: which failures restart a deployment, and when. */
class SupervisorTest {

    private final Vertx vertx = Vertx.vertx();
    private final OrdoMetrics metrics = new OrdoMetrics();

    @AfterEach
    void close() {
        await(vertx.close());
    }

    @Test
    void aFailureWhileTheDeploymentIsBeingMadeRestartsItOnceMade() throws InterruptedException {
        AtomicInteger starts = new AtomicInteger();
        Supervisor supervisor = new Supervisor(vertx, metrics);
        await(supervisor.deploy("flaky", () -> new VerticleBase() {
            @Override
            public Future<?> start() {
                if (starts.incrementAndGet() == 1) {
                    // What a CDC worker that dies at once does: fail on the context before start has completed.
                    context.runOnContext(v -> {
                        throw new IllegalStateException("died while starting");
                    });
                    return vertx.timer(200);
                }
                return Future.succeededFuture();
            }
        }, 1));

        Eventually.until(Duration.ofSeconds(10), "the deployment that failed while starting was restarted",
                () -> restarts("flaky") >= 1);
        assertEquals(2, starts.get());
        await(supervisor.undeployAll());
        assertEquals(1, restarts("flaky"), "restarted once");
    }

    @Test
    void aFailureOfAReplacedDeploymentIsOldNews() throws InterruptedException {
        AtomicInteger starts = new AtomicInteger();
        AtomicInteger stops = new AtomicInteger();
        Supervisor supervisor = new Supervisor(vertx, metrics);
        await(supervisor.deploy("noisy", () -> new VerticleBase() {
            @Override
            public Future<?> start() {
                if (starts.incrementAndGet() == 1) {
                    context.runOnContext(v -> {
                        throw new IllegalStateException("first failure");
                    });
                }
                return Future.succeededFuture();
            }

            @Override
            public Future<?> stop() {
                if (stops.incrementAndGet() == 1) {
                    // The failed deployment fails again while it is being undeployed: not a reason to restart twice.
                    context.runOnContext(v -> {
                        throw new IllegalStateException("failing on its way out");
                    });
                }
                return Future.succeededFuture();
            }
        }, 1));

        Eventually.until(Duration.ofSeconds(10), "restarted", () -> restarts("noisy") >= 1);
        Thread.sleep(1_500); // longer than a second restart's backoff would be
        assertEquals(1, restarts("noisy"));
        assertEquals(2, starts.get());
        await(supervisor.undeployAll());
    }

    private double restarts(String verticle) {
        var counter = metrics.registry().find("ordo.verticle.restarts").tag("verticle", verticle).counter();
        return counter == null ? 0 : counter.count();
    }
}
