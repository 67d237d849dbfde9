package io.ordo.http;

import io.ordo.command.CommandReply;
import io.ordo.es.Aggregate;
import io.ordo.es.Rejection;
import io.ordo.module.AggregateModule;
import io.vertx.ext.web.RoutingContext;

/** How the command processor's answers look on HTTP: the aggregate, or a problem with a stable code. */
final class CommandReplies {

    private CommandReplies() {
    }

    /** The meter's outcome tag of an answer. */
    static String outcome(CommandReply reply) {
        if (reply instanceof CommandReply.Accepted) {
            return "accepted";
        }
        if (reply instanceof CommandReply.Rejected) {
            return "rejected";
        }
        if (reply instanceof CommandReply.Replayed) {
            return "replayed";
        }
        if (reply instanceof CommandReply.VersionMismatch) {
            return "precondition_failed";
        }
        if (reply instanceof CommandReply.Contended) {
            return "conflict";
        }
        if (reply instanceof CommandReply.InProgress) {
            return "in_progress";
        }
        return reply instanceof CommandReply.KeyReused ? "key_reused" : "unavailable";
    }

    /**
     * Answers {@code reply}; a created aggregate is 201 with its {@code Location}, under the router's
     * mount point (where a host mounted Ordo's router).
     */
    static void answer(RoutingContext ctx, AggregateModule<?, ?, ?> module, CommandReply reply, Gateway.Answer as,
                       boolean replayed) {
        String kind = module.decider().aggregateType().toLowerCase();
        if (replayed) {
            ctx.response().putHeader("Idempotent-Replayed", "true");
        }
        if (reply instanceof CommandReply.Accepted accepted) {
            Aggregate<?> aggregate = accepted.aggregate();
            ctx.response().putHeader("ETag", "\"" + aggregate.version() + "\"");
            if (as == Gateway.Answer.CREATED) {
                ctx.response().setStatusCode(201).putHeader("Location",
                        HttpApi.mounted(ctx, "/" + module.collection() + "/" + aggregate.id()));
            }
            ctx.response().putHeader("Content-Type", "application/json").end(Representation.of(module, aggregate).encode());
        } else if (reply instanceof CommandReply.Rejected rejected) {
            rejection(rejected.rejection()).with("currentVersion", rejected.version()).send(ctx);
        } else if (reply instanceof CommandReply.Replayed replay) {
            answer(ctx, module, replay.original(), as, true);
        } else if (reply instanceof CommandReply.VersionMismatch mismatch) {
            Problem.of(412, "VERSION_MISMATCH", "Precondition failed", "If-Match names version " + mismatch.expected()
                    + " but the " + kind + " is at version " + mismatch.current())
                    .with("currentVersion", mismatch.current()).send(ctx);
        } else if (reply instanceof CommandReply.Contended contended) {
            Problem.of(409, "CONCURRENCY_CONFLICT", "Conflict", "the " + kind
                    + " kept changing concurrently; retry").with("currentVersion", contended.current()).send(ctx);
        } else if (reply instanceof CommandReply.KeyReused reused) {
            Problem.of(422, "IDEMPOTENCY_KEY_REUSED", "Unprocessable request",
                    "Idempotency-Key '" + reused.key() + "' was used for a different request").send(ctx);
        } else if (reply instanceof CommandReply.InProgress inProgress) {
            ctx.response().putHeader("Retry-After", "1");
            Problem.of(409, "IDEMPOTENCY_KEY_IN_PROGRESS", "Conflict", "a request with Idempotency-Key '" + inProgress.key()
                    + "' is still being processed; retry it shortly to get its outcome").send(ctx);
        } else if (reply instanceof CommandReply.Unavailable unavailable) {
            (unavailable.outcomeUnknown()
                    ? Problem.of(503, "OUTCOME_UNKNOWN", "Outcome unknown",
                    "the store did not confirm the write in time; it may or may not have happened: read the "
                            + kind + " (or retry with the same Idempotency-Key)")
                    : Problem.of(503, "STORE_UNAVAILABLE", "Service unavailable", "the store is unavailable; retry"))
                    .send(ctx);
        }
    }

    private static Problem rejection(Rejection rejection) {
        int status = switch (rejection.code().kind()) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case UNPROCESSABLE -> 422;
        };
        return Problem.of(status, rejection.code().name(), switch (status) {
            case 400 -> "Invalid command";
            case 404 -> "Not found";
            case 422 -> "Unprocessable command";
            default -> "Business rule violated";
        }, rejection.message());
    }
}
