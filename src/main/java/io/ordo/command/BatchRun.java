package io.ordo.command;

import io.ordo.es.Aggregate;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventEnvelope;
import io.ordo.es.Rejection;
import io.ordo.es.RejectionCode;
import io.ordo.module.AggregateModule;
import io.ordo.module.UniqueValue;
import io.ordo.ops.InTurn;
import io.ordo.ops.Logs;
import io.ordo.store.AppendResult;
import io.ordo.store.IdempotencyKeys.KeyClaim;
import io.ordo.store.IdempotencyKeys.Status;
import io.ordo.store.StoreVerticle;
import io.ordo.store.UniqueValues;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One batch of commands for one aggregate, across its attempts: its idempotency keys claimed, its
 * preconditions asked, its commands decided on the (cached) state with the unique values their events
 * claim reserved, then ONE append; a conflict decides the batch again on the state reloaded, up to
 * {@code aggregates.maxRetries} times. Each caller gets its own answer. Every answer decided on a
 * cached state (an accepted command changing nothing included) holds against the store's version:
 * the head is checked before it is given.
 */
final class BatchRun {

    private static final Logger LOG = LoggerFactory.getLogger(BatchRun.class);

    private final CommandVerticle processor;
    private final AggregateModule<Object, Object, DomainEvent> module;
    private final String type;
    private final UUID id;
    private final StoreClient store;
    private List<Message<CommandRequest>> messages;
    private int attempt;
    /** The aggregate the next attempt decides on. */
    private CommandVerticle.Loaded current;
    /** Keys this batch's commands claimed (by message), to complete once their outcome is known. */
    private final Map<Message<CommandRequest>, KeyClaim> claims = new HashMap<>();
    /** Rejections found before deciding, by message (preconditions, values another aggregate holds). */
    private final Map<Message<CommandRequest>, Rejection> refused = new HashMap<>();
    /** Values this batch stamped with its claim, in any attempt: released unless the committed state holds them. */
    private final Map<Reserved, UniqueValues.Claim> reserved = new LinkedHashMap<>();
    /** The id of this attempt's claims on unique values (a new attempt is decided on another version). */
    private UUID claimId = UUID.randomUUID();

    private record Reserved(String scope, String value) {
    }

    /** How often a stamp on a value that keeps changing hands is tried before the batch gives up (retryable). */
    private static final int RESTAMPS = 3;

    BatchRun(CommandVerticle processor, AggregateModule<Object, Object, DomainEvent> module, UUID id,
             List<Message<CommandRequest>> messages) {
        this.processor = processor;
        this.module = module;
        this.type = module.decider().aggregateType();
        this.id = id;
        this.store = processor.store();
        this.messages = messages;
    }

    /** Completes once every caller of the batch has its answer; never fails. */
    Future<Void> run() {
        return processor.load(type, id)
                .compose(loaded -> claimKeys(loaded.aggregate()).map(loaded))
                .compose(loaded -> askPreconditions().map(loaded))
                .compose(loaded -> {
                    current = loaded;
                    // Each attempt a task of its own: a retry is a turn of a loop, never a longer chain.
                    return InTurn.until(processor.context(), this::attempt);
                })
                .recover(this::failed);
    }

    // ---- idempotency keys --------------------------------------------------------------------------

    /** Claims each key (or meets its first run's claim); commands answered from a first run leave the batch. */
    private Future<Void> claimKeys(Aggregate<Object> base) {
        List<Future<Boolean>> runs = new ArrayList<>();
        List<Message<CommandRequest>> keyed = new ArrayList<>();
        for (Message<CommandRequest> message : messages) {
            CommandRequest request = message.body();
            if (request.idempotencyKey() == null) {
                continue;
            }
            KeyClaim mine = new KeyClaim(request.idempotencyKey(), id, request.command().getClass().getSimpleName(),
                    request.requestHash(), request.metadata().commandId(), Status.PENDING, base.version(), null, Instant.now());
            keyed.add(message);
            runs.add(store.claimKey(mine).compose(found -> verdict(message, mine, found)));
        }
        return Future.all(runs).map(done -> {
            List<Message<CommandRequest>> left = new ArrayList<>();
            for (Message<CommandRequest> message : messages) {
                int at = keyed.indexOf(message);
                if (at < 0 || runs.get(at).result()) {
                    left.add(message);
                }
            }
            messages = left;
            return null;
        });
    }

    /** True when the command is this batch's to decide; else it was answered. */
    private Future<Boolean> verdict(Message<CommandRequest> message, KeyClaim mine, KeyClaim found) {
        CommandRequest request = message.body();
        KeyVerdicts.Verdict verdict = KeyVerdicts.of(found, id, request.requestHash(), Instant.now(), processor.lease());
        if (verdict instanceof KeyVerdicts.Verdict.Run) {
            claims.put(message, mine);
            return Future.succeededFuture(true);
        }
        if (verdict instanceof KeyVerdicts.Verdict.Replay replay) {
            return replay(message, replay.outcome()).map(false);
        }
        if (verdict instanceof KeyVerdicts.Verdict.Reused) {
            processor.reply(message, new CommandReply.KeyReused(request.idempotencyKey()));
            return Future.succeededFuture(false);
        }
        if (verdict instanceof KeyVerdicts.Verdict.InProgress) {
            processor.reply(message, new CommandReply.InProgress(request.idempotencyKey()));
            return Future.succeededFuture(false);
        }
        KeyClaim stale = ((KeyVerdicts.Verdict.Settle) verdict).claim();
        // The first run's events, if it committed any, carry its command id after the version it claimed at.
        return store.findCommit(id, stale.baseVersion(), stale.commandId()).compose(version -> {
            if (version != null) {
                String outcome = accepted(version).encode();
                return store.completeKey(stale.key(), stale.commandId(), outcome).compose(v -> replay(message, outcome))
                        .map(false);
            }
            KeyClaim takeover = new KeyClaim(mine.key(), id, mine.commandType(), mine.requestHash(), mine.commandId(),
                    Status.PENDING, mine.baseVersion(), null, Instant.now());
            return store.takeOverKey(takeover, stale.commandId()).map(took -> {
                if (took) {
                    claims.put(message, takeover);
                    return true;
                }
                processor.reply(message, new CommandReply.InProgress(request.idempotencyKey())); // another retry took it first
                return false;
            });
        });
    }

    /** Answers a key seen before with its first run's outcome: a rejection as recorded, an acceptance re-read at its version. */
    private Future<Void> replay(Message<CommandRequest> message, String recorded) {
        JsonObject outcome = new JsonObject(recorded);
        long version = outcome.getLong("version");
        if ("rejected".equals(outcome.getString("outcome"))) {
            processor.reply(message, new CommandReply.Replayed(new CommandReply.Rejected(
                    new RecordedCode(outcome.getString("code"), Rejection.Kind.valueOf(outcome.getString("kind")))
                            .because(outcome.getString("message")), version)));
            return Future.succeededFuture();
        }
        return store.loadAt(type, id, version).map(loaded -> {
            processor.reply(message, new CommandReply.Replayed(new CommandReply.Accepted(loaded, List.of())));
            return null;
        });
    }

    private static JsonObject accepted(long version) {
        return new JsonObject().put("outcome", "accepted").put("version", version);
    }

    // ---- preconditions, deciding, unique values ---------------------------------------------------------

    private Future<Void> askPreconditions() {
        List<Future<Rejection>> asked = new ArrayList<>();
        for (Message<CommandRequest> message : messages) {
            asked.add(module.rules().precondition(message.body().command(), id, store::find));
        }
        return Future.all(asked).map(done -> {
            for (int i = 0; i < messages.size(); i++) {
                if (asked.get(i).result() != null) {
                    refused.put(messages.get(i), asked.get(i).result());
                }
            }
            return null;
        });
    }

    /** One attempt on {@link #current}: true once every caller is answered, false to decide again on a newer state. */
    private Future<Boolean> attempt() {
        if (messages.isEmpty()) {
            return Future.succeededFuture(true);
        }
        CommandVerticle.Loaded loaded = current;
        Aggregate<Object> base = loaded.aggregate();
        if (loaded.fromCache() && messages.stream().anyMatch(message -> message.body().expectedVersion() != null)) {
            // An If-Match is answered against the store's version, not a cache another instance may have outdated.
            return store.head(id).compose(head -> {
                if (head.version() == base.version()) {
                    return decide(base).compose(decision -> commit(loaded, decision));
                }
                processor.forget(type, id);
                return processor.load(type, id).map(reloaded -> {
                    current = reloaded;
                    return false;
                });
            });
        }
        return decide(base).compose(decision -> commit(loaded, decision));
    }

    /**
     * Decides the batch, then reserves the unique values its events claim; a value another aggregate holds
     * refuses its command, and the batch is decided again without it (at most once per command).
     */
    private Future<BatchDecision.Result> decide(Aggregate<Object> base) {
        List<BatchDecision.Command> commands = new ArrayList<>(messages.size());
        for (Message<CommandRequest> message : messages) {
            CommandRequest request = message.body();
            commands.add(new BatchDecision.Command(request.command(), request.metadata(), request.expectedVersion(),
                    refused.get(message)));
        }
        BatchDecision.Result result = BatchDecision.decide(module.decider(), base, commands, Instant.now());
        List<Future<Boolean>> reservations = new ArrayList<>();
        List<Message<CommandRequest>> claimants = new ArrayList<>();
        List<Rejection> takenAnswers = new ArrayList<>();
        for (int i = 0; i < result.outcomes().size(); i++) {
            if (!(result.outcomes().get(i) instanceof BatchDecision.Outcome.Accepted accepted)) {
                continue;
            }
            for (UniqueValue<Object, DomainEvent> unique : module.rules().uniqueValues()) {
                for (EventEnvelope<DomainEvent> event : accepted.events()) {
                    String value = unique.claimedBy(event.eventData());
                    if (value == null || value.equals(unique.heldBy(base.state()))
                            || reserved.containsKey(new Reserved(unique.scope(), value))) {
                        continue;
                    }
                    reservations.add(reserve(unique, value, new UniqueValues.Claim(id, claimId, base.version()),
                            RESTAMPS));
                    claimants.add(messages.get(i));
                    takenAnswers.add(unique.taken(value));
                }
            }
        }
        if (reservations.isEmpty()) {
            return Future.succeededFuture(result);
        }
        return Future.all(reservations).compose(done -> {
            boolean again = false;
            for (int i = 0; i < reservations.size(); i++) {
                if (!reservations.get(i).result()) {
                    refused.put(claimants.get(i), takenAnswers.get(i));
                    again = true;
                }
            }
            return again ? decide(base) : Future.succeededFuture(result);
        });
    }

    /**
     * Stamps {@code value} with {@code claim}; false when another aggregate holds it. A value this aggregate
     * held from an earlier claim is stamped again, so that no release of that claim frees it under this one.
     * A value whose holder's stream (read once any commit in flight on it is settled) does not hold it, and
     * whose claim is older than the lease (its command is over), is taken over: an abandoned reservation
     * never blocks a value for good. A stamp that meets a changed claim tries again, at most {@code tries} times.
     */
    private Future<Boolean> reserve(UniqueValue<Object, DomainEvent> unique, String value, UniqueValues.Claim claim,
                                    int tries) {
        Reserved key = new Reserved(unique.scope(), value);
        return store.reserveValue(unique.scope(), value, claim).compose(holder -> {
            if (holder == null) {
                reserved.put(key, claim);
                return Future.succeededFuture(true);
            }
            if (holder.owner().equals(id)) {
                return stamp(unique, value, holder, claim, tries);
            }
            if (holder.claimedAt() != null && holder.claimedAt().plus(processor.lease()).isAfter(Instant.now())) {
                return Future.succeededFuture(false); // its holder's command may still be committing
            }
            return store.loadSettled(type, holder.owner())
                    .map(owner -> value.equals(unique.heldBy(owner.state())))
                    .recover(failure -> StoreClient.isOtherAggregateType(failure)
                            ? Future.succeededFuture(false) // not an aggregate of this type: it cannot hold the value
                            : Future.failedFuture(failure))
                    .compose(held -> {
                        if (held) {
                            return Future.succeededFuture(false);
                        }
                        LOG.info("Taking over {} '{}' from {}, whose stream does not hold it", unique.scope(), value,
                                holder.owner());
                        return stamp(unique, value, holder, claim, tries);
                    });
        });
    }

    private Future<Boolean> stamp(UniqueValue<Object, DomainEvent> unique, String value, UniqueValues.Holder seen,
                                  UniqueValues.Claim claim, int tries) {
        return store.takeOverValue(unique.scope(), value, seen, claim).compose(took -> {
            if (took) {
                reserved.put(new Reserved(unique.scope(), value), claim);
                return Future.succeededFuture(true);
            }
            if (tries <= 1) {
                return Future.failedFuture(new IllegalStateException(
                        unique.scope() + " '" + value + "' kept changing hands; try again"));
            }
            return reserve(unique, value, claim, tries - 1);
        });
    }

    /**
     * Stamps what this batch reserved with the new attempt's claim (decided on a newer version); a value
     * that was freed or taken meanwhile is reserved again when the batch is decided.
     */
    private Future<Void> restamp(long baseVersion) {
        claimId = UUID.randomUUID();
        List<Future<Boolean>> stamps = new ArrayList<>();
        List<Reserved> values = new ArrayList<>(reserved.keySet());
        for (Reserved one : values) {
            UniqueValues.Claim old = reserved.get(one);
            UniqueValues.Claim claim = new UniqueValues.Claim(id, claimId, baseVersion);
            stamps.add(store.takeOverValue(one.scope(), one.value(),
                    new UniqueValues.Holder(id, old.claimId(), old.baseVersion(), null), claim));
        }
        return Future.all(stamps).map(done -> {
            for (int i = 0; i < values.size(); i++) {
                if (stamps.get(i).result()) {
                    reserved.put(values.get(i), new UniqueValues.Claim(id, claimId, baseVersion));
                } else {
                    reserved.remove(values.get(i));
                }
            }
            return null;
        });
    }

    // ---- commit -------------------------------------------------------------------------------------------

    private Future<Boolean> commit(CommandVerticle.Loaded loaded, BatchDecision.Result decision) {
        Aggregate<Object> base = loaded.aggregate();
        List<EventEnvelope<?>> events = decision.events();
        if (events.isEmpty()) {
            // No event: the answers (rejections and acceptances alike) hold only against the store's version.
            if (loaded.fromCache() && attempt < processor.maxRetries()) {
                return store.head(id).compose(head -> head.version() == base.version()
                        ? answer(decision, base).map(true)
                        : retry());
            }
            return answer(decision, base).map(true);
        }
        return store.append(type, id, base.version(), events).compose(result -> {
            if (result instanceof AppendResult.Conflict conflict) {
                processor.conflicted(type, id);
                if (attempt < processor.maxRetries()) {
                    return retry();
                }
                return abandon().map(v -> {
                    messages.forEach(message -> processor.reply(message, new CommandReply.Contended(conflict.currentVersion())));
                    return true;
                });
            }
            Aggregate<Object> after = decision.after();
            processor.committed(base, after, events);
            return afterCommit(base, after).compose(v -> answer(decision, after)).map(true);
        });
    }

    /** Readies the next attempt: a short random pause that lets contenders through, then the state reloaded. */
    private Future<Boolean> retry() {
        attempt++;
        processor.retried(type);
        processor.forget(type, id);
        long pause = 1 + ThreadLocalRandom.current().nextLong(4L << Math.min(attempt, 6));
        return processor.vertx().timer(pause).compose(v -> processor.load(type, id))
                .compose(loaded -> reserved.isEmpty() ? Future.succeededFuture(loaded)
                        : restamp(loaded.aggregate().version()).map(loaded))
                .map(loaded -> {
                    current = loaded;
                    return false;
                });
    }

    /**
     * Frees what this batch stamped and the committed state does not hold, and what the aggregate moved away
     * from unless a claim decided on the committed version or later stamped it since (a change back, maybe on
     * another instance): only ever its own.
     */
    private Future<Void> afterCommit(Aggregate<Object> base, Aggregate<Object> after) {
        List<Future<?>> releases = new ArrayList<>();
        Set<Reserved> held = new LinkedHashSet<>();
        for (UniqueValue<Object, DomainEvent> unique : module.rules().uniqueValues()) {
            String now = unique.heldBy(after.state());
            if (now != null) {
                held.add(new Reserved(unique.scope(), now));
            }
            String before = unique.heldBy(base.state());
            if (before != null && !before.equals(now)) {
                releases.add(store.releaseUnlessClaimedSince(unique.scope(), before, id, after.version()));
            }
        }
        reserved.forEach((one, claim) -> {
            if (!held.contains(one)) {
                releases.add(store.releaseValue(one.scope(), one.value(), claim));
            }
        });
        reserved.clear();
        // The next batch must not start before a freed value is really free (it may claim it again). A release
        // that failed leaves a reservation this aggregate's stream does not confirm: taken over after the lease.
        return Future.join(releases).otherwiseEmpty().mapEmpty();
    }

    /**
     * Answers every caller, each key's outcome recorded first (a retry after the answer meets it). A
     * command refused for its If-Match did not run: its key is freed for a retry that names the version.
     */
    private Future<Void> answer(BatchDecision.Result decision, Aggregate<Object> committed) {
        List<Future<?>> recorded = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            KeyClaim claim = claims.get(messages.get(i));
            BatchDecision.Outcome outcome = decision.outcomes().get(i);
            if (claim == null) {
                continue;
            }
            recorded.add(outcome instanceof BatchDecision.Outcome.VersionMismatch
                    ? store.releaseKey(claim.key(), claim.commandId())
                    : store.completeKey(claim.key(), claim.commandId(), outcome(outcome, committed).encode()));
        }
        return Future.join(recorded).otherwiseEmpty().map(v -> {
            for (int i = 0; i < messages.size(); i++) {
                processor.reply(messages.get(i), reply(decision.outcomes().get(i), committed));
            }
            return null;
        });
    }

    private static CommandReply reply(BatchDecision.Outcome outcome, Aggregate<Object> committed) {
        if (outcome instanceof BatchDecision.Outcome.Accepted accepted) {
            return new CommandReply.Accepted(accepted.after(), List.copyOf(accepted.events()));
        }
        if (outcome instanceof BatchDecision.Outcome.VersionMismatch mismatch) {
            return new CommandReply.VersionMismatch(mismatch.expected(), mismatch.current());
        }
        return new CommandReply.Rejected(((BatchDecision.Outcome.Rejected) outcome).rejection(), committed.version());
    }

    private static JsonObject outcome(BatchDecision.Outcome outcome, Aggregate<Object> committed) {
        if (outcome instanceof BatchDecision.Outcome.Accepted accepted) {
            return accepted(accepted.after().version());
        }
        Rejection rejection = ((BatchDecision.Outcome.Rejected) outcome).rejection();
        return new JsonObject().put("outcome", "rejected").put("code", rejection.code().name())
                .put("kind", rejection.code().kind().name()).put("message", rejection.message())
                .put("version", committed.version());
    }

    // ---- failures -----------------------------------------------------------------------------------------

    /** The store failed: an outcome in doubt keeps what was claimed (a retry settles it); a sure failure frees it. */
    private Future<Void> failed(Throwable failure) {
        processor.forget(type, id);
        boolean unknown = StoreVerticle.isUnknownOutcome(failure);
        Future<Void> settled = unknown ? markUnknown() : abandon();
        CommandReply reply = StoreClient.isOtherAggregateType(failure)
                ? new CommandReply.Rejected(notFound().because("no " + type.toLowerCase() + " has id " + id), 0)
                : new CommandReply.Unavailable(unknown, failure.getMessage());
        if (!unknown && !StoreClient.isOtherAggregateType(failure)) {
            Logs.correlated(messages.isEmpty() ? null : messages.get(0).body().metadata().correlationId(),
                    () -> LOG.warn("Commands for {} {} failed: {}", type, id, failure.toString()));
        }
        return settled.map(v -> {
            messages.forEach(message -> processor.reply(message, reply));
            return null;
        });
    }

    /** Nothing of the batch was committed: its reservations and its keys' claims go (best effort). */
    private Future<Void> abandon() {
        List<Future<?>> freed = new ArrayList<>();
        reserved.forEach((one, claim) -> freed.add(store.releaseValue(one.scope(), one.value(), claim)));
        reserved.clear();
        claims.values().forEach(claim -> freed.add(store.releaseKey(claim.key(), claim.commandId())));
        return Future.join(freed).otherwiseEmpty().mapEmpty();
    }

    private Future<Void> markUnknown() {
        List<Future<?>> marked = new ArrayList<>();
        claims.values().forEach(claim -> marked.add(store.markKeyUnknown(claim.key(), claim.commandId())));
        return Future.join(marked).otherwiseEmpty().mapEmpty();
    }

    private RejectionCode notFound() {
        return module.notFound();
    }

    /** A rejection code read back from an idempotency record. */
    private record RecordedCode(String name, Rejection.Kind kind) implements RejectionCode {
    }


}
