package io.ordo.ops;

import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Deploys Ordo's verticles and restarts one that fails (the seed's actor-style supervision: let it
 * crash, start it afresh). A failure is an exception that escapes a handler on one of the verticle's
 * contexts; the whole deployment is then undeployed and deployed again after a backoff that doubles
 * while it keeps failing (from {@value #FIRST_BACKOFF_MS} ms to {@value #MAX_BACKOFF_MS} ms) and
 * starts over once it has run {@value #STABLE_MS} ms. Verticles keep their positions in the store,
 * so a restarted relay or projection goes on where it stopped.
 */
public final class Supervisor {

    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    private static final long FIRST_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final long STABLE_MS = 60_000;

    private final Vertx vertx;
    private final OrdoMetrics metrics;
    private final Context supervising;
    private final List<Child> children = new ArrayList<>();
    private boolean stopping;

    /** One supervised deployment. Touched only on the context that created the supervisor. */
    private static final class Child {
        final String name;
        final Supplier<Deployable> factory;
        final int instances;
        String deploymentId;
        long deployedAt;
        int failures;
        boolean restarting;

        Child(String name, Supplier<Deployable> factory, int instances) {
            this.name = name;
            this.factory = factory;
            this.instances = instances;
        }
    }

    /** Made on the context that deploys Ordo: the children's failures are handled there, one at a time. */
    public Supervisor(Vertx vertx, OrdoMetrics metrics) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.supervising = vertx.getOrCreateContext();
    }

    /** Deploys {@code instances} of what {@code factory} makes, under {@code name}, and watches them. */
    public Future<Void> deploy(String name, Supplier<Deployable> factory, int instances) {
        Child child = new Child(name, factory, instances);
        children.add(child);
        return start(child);
    }

    private Future<Void> start(Child child) {
        return vertx.deployVerticle(() -> watched(child), new DeploymentOptions().setInstances(child.instances))
                .compose(id -> {
                    if (stopping) {
                        return vertx.undeploy(id).otherwiseEmpty(); // a restart that finished after undeployAll
                    }
                    child.deploymentId = id;
                    child.deployedAt = System.currentTimeMillis();
                    return Future.succeededFuture();
                });
    }

    private Deployable watched(Child child) {
        Deployable verticle = child.factory.get(); // a new verticle object: no I/O until it is deployed
        return new Deployable() {
            @Override
            public Future<?> deploy(Context context) throws Exception {
                context.exceptionHandler(failure -> supervising.runOnContext(v -> failed(child, failure)));
                return verticle.deploy(context);
            }

            @Override
            public Future<?> undeploy(Context context) throws Exception {
                return verticle.undeploy(context);
            }
        };
    }

    private void failed(Child child, Throwable failure) {
        if (stopping || child.restarting) {
            return;
        }
        child.restarting = true;
        if (System.currentTimeMillis() - child.deployedAt > STABLE_MS) {
            child.failures = 0;
        }
        long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(child.failures, 10));
        child.failures++;
        LOG.error("{} failed; restarting it in {} ms", child.name, backoff, failure);
        vertx.undeploy(child.deploymentId).otherwiseEmpty()
                .compose(v -> vertx.timer(backoff))
                .compose(v -> stopping ? Future.succeededFuture() : start(child))
                .onComplete(done -> {
                    child.restarting = false;
                    if (done.failed()) {
                        failed(child, done.cause());
                    } else if (!stopping) {
                        metrics.restarted(child.name);
                        LOG.info("{} restarted", child.name);
                    }
                });
    }

    /** Stops supervising and undeploys everything, newest first. */
    public Future<Void> undeployAll() {
        stopping = true;
        Future<Void> chain = Future.succeededFuture();
        for (int i = children.size() - 1; i >= 0; i--) {
            Child child = children.get(i);
            chain = chain.compose(v -> child.deploymentId == null ? Future.succeededFuture()
                    : vertx.undeploy(child.deploymentId).otherwiseEmpty());
        }
        children.clear();
        return chain;
    }
}
