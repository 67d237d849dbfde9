package io.ordo.projection;

import io.ordo.config.OrdoConfig;
import io.ordo.ops.InTurn;
import io.ordo.ops.Retry;
import io.ordo.store.ProjectionStore;
import io.ordo.store.ProjectionStore.ProjectionStatus;
import io.ordo.store.ReadModelSession;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Rebuilds of projections from the event store (not Kafka), into the same tables with a higher epoch
 * while live updates go on: every stream replayed, then what no stream explains swept. A rebuild
 * claims the next epoch with a conditional write, records its progress once a page (only while the
 * epoch is still its own, so a newer claim on any instance supersedes it), and is retried step by step
 * with the projection's backoff; a step that keeps failing fails it, by name.
 */
final class Rebuilds {

    private static final Logger LOG = LoggerFactory.getLogger(Rebuilds.class);
    static final int STREAM_PAGE = 500;

    private final Context context;
    private final Projections projections;
    private final ProjectionStore store;
    private final OrdoConfig.Projections config;
    private final Retry retry;
    private final Map<String, Rebuild> running = new HashMap<>();
    /** The last rebuild this instance ran of each projection: its swept count is not in the table. */
    private final Map<String, Rebuild> finished = new HashMap<>();

    Rebuilds(Context context, Projections projections, ProjectionStore store, OrdoConfig.Projections config, Retry retry) {
        this.context = context;
        this.projections = projections;
        this.store = store;
        this.config = config;
        this.retry = retry;
    }

    /** A rebuild on this instance: it replays every stream, then sweeps what no stream explains. */
    private final class Rebuild implements Sweep {
        final Projection<?> projection;
        final long epoch;
        String phase = "REPLAY";
        long aggregates;
        long events;
        long swept;
        long versionBound = 1;

        Rebuild(Projection<?> projection, long epoch) {
            this.projection = projection;
            this.epoch = epoch;
        }

        @Override
        public long epoch() {
            return epoch;
        }

        @Override
        public long versionBound() {
            return versionBound;
        }

        @Override
        public int pageSize() {
            return STREAM_PAGE;
        }

        @Override
        public ReadModelSession.Retry retry() {
            return Rebuilds.this::retrying;
        }

        @Override
        public Future<Boolean> hasStream(UUID id) {
            return projections.hasStream(projection, id);
        }

        @Override
        public <T> Future<Void> each(List<T> items, Function<T, String> what, Function<T, Future<Integer>> action) {
            return inGroups(items, config.rebuildConcurrency(), item -> retrying(what.apply(item),
                    () -> action.apply(item)).map(removed -> {
                        swept += removed;
                        return null;
                    }));
        }

        @Override
        public Future<Void> pageDone() {
            return record("REBUILDING", null, null).compose(applied -> applied ? Future.succeededFuture()
                    : Future.failedFuture(new Superseded()));
        }

        Future<Boolean> record(String state, Instant finishedAt, String error) {
            return retrying("recording the rebuild's progress", () -> store.recordRebuild(projection.name(), epoch,
                    state, aggregates, events, finishedAt, error));
        }
    }

    /** A rebuild found a newer epoch claimed: it stops, and leaves the table to the newer one. */
    private static final class Superseded extends RuntimeException {
        Superseded() {
            super("superseded by a newer rebuild", null, false, false);
        }
    }

    /** A step of a rebuild failed every attempt; its message names the step (the aggregate, the row). */
    private static final class RebuildStepFailed extends RuntimeException {
        RebuildStepFailed(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * Claims the next epoch of {@code projection} and starts its rebuild. Only this instance's own rebuild
     * refuses a new one (409): another instance's, or one orphaned by a crash (REBUILDING forever in the
     * table), is superseded by claiming the next epoch.
     */
    Future<JsonObject> start(Projection<?> projection) {
        String name = projection.name();
        if (running.containsKey(name)) {
            return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409,
                    "a rebuild of " + name + " is running on this instance"));
        }
        return store.projectionStatus(name)
                .compose(status -> store.startRebuild(name, status.epoch(), status.epoch() + 1, Instant.now())
                        .compose(claimed -> claimed ? Future.succeededFuture(status.epoch() + 1)
                                : Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409,
                                "another instance claimed the next epoch of " + name + " meanwhile"))))
                .map(epoch -> {
                    Rebuild rebuild = new Rebuild(projection, epoch);
                    running.put(name, rebuild);
                    LOG.info("Rebuilding projection {} from the event store (epoch {})", name, epoch);
                    replayAll(rebuild).compose(v -> {
                        rebuild.phase = "SWEEP";
                        return projection.sweep(rebuild);
                    }).transform(done -> finish(rebuild, done.failed() ? done.cause() : null)).onComplete(v -> {
                        running.remove(name);
                        finished.put(name, rebuild);
                    });
                    return new JsonObject().put("name", name).put("state", "REBUILDING").put("epoch", epoch);
                });
    }

    /** The projection's rebuild as the operators see it: the table's, with this instance's own progress if it runs it. */
    JsonObject status(Projection<?> projection, ProjectionStatus status) {
        // This instance's rebuild, if it is the one the table names (not one a newer claim superseded).
        Rebuild mine = running.get(projection.name());
        mine = mine != null && mine.epoch == status.epoch() ? mine : null;
        Rebuild ended = finished.get(projection.name());
        Long swept = mine != null ? Long.valueOf(mine.swept)
                : ended != null && ended.epoch == status.epoch() ? Long.valueOf(ended.swept) : null;
        return new JsonObject()
                .put("epoch", status.epoch())
                .put("state", mine != null ? "REBUILDING" : status.state())
                .put("aggregates", mine != null ? mine.aggregates : status.aggregates())
                .put("events", mine != null ? mine.events : status.events())
                .put("phase", mine != null ? mine.phase : null)
                .put("swept", swept)
                .put("startedAt", text(status.startedAt()))
                .put("finishedAt", mine != null ? null : text(status.finishedAt()))
                .put("error", status.error());
    }

    /** Records how the rebuild ended, unless a newer one superseded it. */
    private Future<Void> finish(Rebuild rebuild, Throwable failure) {
        String name = rebuild.projection.name();
        if (failure instanceof Superseded) {
            LOG.info("Rebuild of projection {} (epoch {}) stopped: a newer rebuild claimed the projection", name,
                    rebuild.epoch);
            return Future.succeededFuture();
        }
        String error = failure == null ? null
                : failure instanceof RebuildStepFailed ? failure.getMessage() : failure.toString();
        return rebuild.record(error == null ? "DONE" : "FAILED", Instant.now(), error).map(applied -> {
            if (!applied) {
                LOG.info("Rebuild of projection {} (epoch {}) ended superseded by a newer rebuild", name, rebuild.epoch);
            } else if (error != null) {
                LOG.error("Rebuilding projection {} (epoch {}) failed: {}", name, rebuild.epoch, error);
            } else {
                LOG.info("Rebuilt projection {} (epoch {}): {} aggregates, {} events, {} rows swept", name,
                        rebuild.epoch, rebuild.aggregates, rebuild.events, rebuild.swept);
            }
            return (Void) null;
        }).otherwise(recordFailure -> {
            LOG.error("Rebuild of projection {} (epoch {}) ended ({}) but could not be recorded: {}", name,
                    rebuild.epoch, error == null ? "DONE" : error, recordFailure.toString());
            return null;
        });
    }

    private Future<Void> replayAll(Rebuild rebuild) {
        Projection<?> projection = rebuild.projection;
        return store.forEachStreamPage(STREAM_PAGE, rebuild.retry(), streams -> {
            List<ProjectionStore.Stream> mine = streams.stream()
                    .filter(stream -> projection.aggregateType().equals(stream.aggregateType())).toList();
            mine.forEach(stream -> rebuild.versionBound = Math.max(rebuild.versionBound, stream.version()));
            return inGroups(mine, config.rebuildConcurrency(), stream -> retrying(
                    "replaying " + projection.aggregateType() + " " + stream.aggregateId(),
                    () -> replay(projection, stream.aggregateId(), rebuild.epoch)).map(version -> {
                        rebuild.aggregates += version > 0 ? 1 : 0;
                        rebuild.events += version;
                        return null;
                    })).compose(v -> rebuild.pageDone());
        });
    }

    /** Repairs the aggregate's rows from the event store; answers the version written (0: none). */
    private <S> Future<Long> replay(Projection<S> projection, UUID id, long epoch) {
        return projections.repository(projection).load(id).compose(state -> !state.exists() ? Future.succeededFuture(0L)
                : projection.repair(state, Projection.writeTime(state.version(), epoch)).map(state.version()));
    }

    /** {@code step}, again with the projection's backoff after a failure, at most {@code maxAttempts} times in all. */
    private <T> Future<T> retrying(String what, Supplier<Future<T>> step) {
        int[] attempts = {0};
        return retry.run(step, (failure, attempt) -> {
            attempts[0] = attempt;
            if (failure instanceof Superseded || failure instanceof RebuildStepFailed) {
                return false;
            }
            LOG.debug("{} failed (attempt {}): {}", what, attempt, failure.toString());
            return attempt < config.maxAttempts();
        }).recover(failure -> Future.failedFuture(failure instanceof Superseded || failure instanceof RebuildStepFailed
                ? failure : new RebuildStepFailed(what + " failed " + attempts[0] + " times: " + failure, failure)));
    }

    /** {@code action} on each item, at most {@code concurrency} at once: groups in turn, each group's items together. */
    private <T> Future<Void> inGroups(List<T> items, int concurrency, Function<T, Future<Void>> action) {
        List<List<T>> groups = new ArrayList<>();
        for (int from = 0; from < items.size(); from += concurrency) {
            groups.add(items.subList(from, Math.min(items.size(), from + concurrency)));
        }
        return InTurn.each(context, groups, group -> Future.all(group.stream().map(action).toList()));
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
