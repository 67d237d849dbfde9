package io.ordo.ops;

import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Timer;
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
    /**
     * The bookkeeping below is touched only on {@link #supervising}: failures arrive there, and
     * {@link #deploy} and {@link #undeployAll} (called from a shutdown hook, say) hop there first.
     * One thread at a time, so plain fields and no locks.
     */
    private final List<Child> children = new ArrayList<>();
    private boolean stopping;

    /** One supervised deployment. */
    private static final class Child {
        final String name;
        final Supplier<Deployable> factory;
        final int instances;
        String deploymentId;
        long deployedAt;
        int failures;
        /** Which deployment of it is current: a failure of an earlier one (being undeployed) is old news. */
        int generation;
        /**
         * The deployment or restart under way, if any. {@link #undeployAll} waits for it. A failure of
         * the deployment being made waits for it too (restarting at once would leave it running twice).
         */
        Future<Void> pending;
        Throwable failedWhileStarting;
        /** The backoff that restart sleeps, if it does: {@link #undeployAll} cuts it short. */
        Timer backoff;

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
        return onSupervisingContext(() -> {
            Child child = new Child(name, factory, instances);
            children.add(child);
            child.generation = 1;
            Future<Void> started = start(child);
            child.pending = started;
            started.onComplete(done -> {
                child.pending = null;
                if (done.succeeded()) {
                    failedMeanwhile(child);
                }
            });
            return started;
        });
    }

    /** Called on the supervising context, so the deployment's future (and what follows it) completes there too. */
    private Future<Void> start(Child child) {
        int generation = child.generation;
        return vertx.deployVerticle(() -> watched(child, generation), new DeploymentOptions().setInstances(child.instances))
                .compose(id -> {
                    if (stopping) {
                        return vertx.undeploy(id).otherwiseEmpty(); // a restart that finished after undeployAll
                    }
                    child.deploymentId = id;
                    child.deployedAt = System.currentTimeMillis();
                    return Future.succeededFuture();
                });
    }

    private Deployable watched(Child child, int generation) {
        Deployable verticle = child.factory.get(); // a new verticle object: no I/O until it is deployed
        return new Deployable() {
            @Override
            public Future<?> deploy(Context context) throws Exception {
                context.exceptionHandler(failure -> supervising.runOnContext(v -> failed(child, generation, failure)));
                return verticle.deploy(context);
            }

            @Override
            public Future<?> undeploy(Context context) throws Exception {
                return verticle.undeploy(context);
            }
        };
    }

    private void failed(Child child, int generation, Throwable failure) {
        if (stopping || generation != child.generation) {
            return;
        }
        if (child.pending != null) {
            child.failedWhileStarting = failure; // handled once the deployment is made
            return;
        }
        if (System.currentTimeMillis() - child.deployedAt > STABLE_MS) {
            child.failures = 0;
        }
        long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(child.failures, 10));
        child.failures++;
        LOG.error("{} failed; restarting it in {} ms", child.name, backoff, failure);
        child.generation++;
        child.failedWhileStarting = null; // of the deployment being replaced
        String failedId = child.deploymentId;
        child.deploymentId = null; // being undeployed here: undeployAll must not undeploy it again
        Future<Void> restart = (failedId == null ? Future.<Void>succeededFuture() : vertx.undeploy(failedId).otherwiseEmpty())
                .compose(v -> {
                    if (stopping) {
                        return Future.succeededFuture();
                    }
                    child.backoff = vertx.timer(backoff);
                    return child.backoff;
                })
                .compose(v -> stopping ? Future.succeededFuture() : start(child));
        child.pending = restart;
        restart.onComplete(done -> {
            child.pending = null;
            child.backoff = null;
            if (stopping) {
                return; // a cancelled backoff fails the restart: nothing to retry
            }
            if (done.failed()) {
                failed(child, child.generation, done.cause());
            } else {
                metrics.restarted(child.name);
                LOG.info("{} restarted", child.name);
                failedMeanwhile(child);
            }
        });
    }

    /** A failure of the deployment while it was being made (a worker it started died at once, say). */
    private void failedMeanwhile(Child child) {
        Throwable failure = child.failedWhileStarting;
        child.failedWhileStarting = null;
        if (failure != null) {
            failed(child, child.generation, failure);
        }
    }

    /**
     * Stops supervising and undeploys everything, newest first. A deployment or restart under way is
     * waited for, a restart's backoff cut short; what deploys anyway, {@link #start} undoes. Any thread.
     */
    public Future<Void> undeployAll() {
        return onSupervisingContext(() -> {
            stopping = true;
            Future<Void> chain = Future.succeededFuture();
            for (int i = children.size() - 1; i >= 0; i--) {
                Child child = children.get(i);
                if (child.backoff != null) {
                    child.backoff.cancel();
                }
                chain = chain.compose(v -> (child.pending == null ? Future.<Void>succeededFuture() : child.pending.otherwiseEmpty())
                        .compose(settled -> child.deploymentId == null ? Future.succeededFuture()
                                : vertx.undeploy(child.deploymentId).otherwiseEmpty()));
            }
            children.clear();
            return chain;
        });
    }

    /** Runs {@code work} on the supervising context (at once if already there) and hands back its outcome. */
    private Future<Void> onSupervisingContext(Supplier<Future<Void>> work) {
        if (Vertx.currentContext() == supervising) {
            return work.get();
        }
        Promise<Void> done = Promise.promise();
        supervising.runOnContext(v -> {
            try {
                work.get().onComplete(done);
            } catch (RuntimeException e) {
                done.fail(e);
            }
        });
        return done.future();
    }
}
