package io.ordo.store;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.UUID;

/**
 * Idempotency keys ({@code command_claims}), claimed before their command is decided and completed once
 * its outcome is known (kept a week): every retry of a key, on any instance, meets the first run's claim. Every statement
 * is conditional (LWT), and none is retried by the driver: a claim is never made twice, and only the
 * claimer (or whoever took over a claim whose command is known not to have committed) completes it.
 */
public final class IdempotencyKeys {

    /** The state of a key's claim. */
    public enum Status {
        /** Its command runs (or its instance died running it). */
        PENDING,
        /** Its commit's outcome is unknown: a retry finds out from the stream. */
        UNKNOWN,
        /** Its outcome is recorded. */
        DONE
    }

    /**
     * A key's claim: the request it was made for ({@code requestHash}, {@code aggregateId}), the command
     * that runs it ({@code commandId}: the causation id of its events), the aggregate's version when it was
     * claimed (its events, if any, are after it), and its outcome once done.
     */
    public record KeyClaim(String key, UUID aggregateId, String commandType, String requestHash, UUID commandId,
                           Status status, long baseVersion, String outcome, Instant claimedAt) {
    }

    static final String CLAIM = """
            INSERT INTO %s.command_claims (idempotency_key, aggregate_id, command_type, request_hash, command_id,
                status, base_version, claimed_at)
            VALUES (:idempotency_key, :aggregate_id, :command_type, :request_hash, :command_id, 'PENDING', :base_version,
                :claimed_at)
            IF NOT EXISTS""";
    static final String COMPLETE = """
            UPDATE %s.command_claims SET status = 'DONE', outcome = :outcome
            WHERE idempotency_key = :idempotency_key IF command_id = :command_id""";
    static final String MARK_UNKNOWN = """
            UPDATE %s.command_claims SET status = 'UNKNOWN'
            WHERE idempotency_key = :idempotency_key IF command_id = :command_id""";
    static final String TAKE_OVER = """
            UPDATE %s.command_claims SET command_id = :command_id, status = 'PENDING', base_version = :base_version,
                claimed_at = :claimed_at, aggregate_id = :aggregate_id, command_type = :command_type,
                request_hash = :request_hash
            WHERE idempotency_key = :idempotency_key IF command_id = :previous_command_id""";
    static final String RELEASE = """
            DELETE FROM %s.command_claims WHERE idempotency_key = :idempotency_key IF command_id = :command_id""";

    private final ReadModelSession session;
    private final PreparedStatement claim;
    private final PreparedStatement complete;
    private final PreparedStatement markUnknown;
    private final PreparedStatement takeOver;
    private final PreparedStatement release;

    private IdempotencyKeys(ReadModelSession session, PreparedStatement claim, PreparedStatement complete,
                              PreparedStatement markUnknown, PreparedStatement takeOver, PreparedStatement release) {
        this.session = session;
        this.claim = claim;
        this.complete = complete;
        this.markUnknown = markUnknown;
        this.takeOver = takeOver;
        this.release = release;
    }

    static Future<IdempotencyKeys> prepare(ReadModelSession session) {
        Future<PreparedStatement> claim = session.prepare(CLAIM);
        Future<PreparedStatement> complete = session.prepare(COMPLETE);
        Future<PreparedStatement> markUnknown = session.prepare(MARK_UNKNOWN);
        Future<PreparedStatement> takeOver = session.prepare(TAKE_OVER);
        Future<PreparedStatement> release = session.prepare(RELEASE);
        return Future.all(claim, complete, markUnknown, takeOver, release).map(done -> new IdempotencyKeys(session,
                claim.result(), complete.result(), markUnknown.result(), takeOver.result(), release.result()));
    }

    /** Claims the key for {@code claim}'s command; answers the claim found instead, or null when this one is made. */
    public Future<KeyClaim> claim(KeyClaim claim) {
        return session.execute(this.claim.bind()
                        .setString("idempotency_key", claim.key())
                        .setUuid("aggregate_id", claim.aggregateId())
                        .setString("command_type", claim.commandType())
                        .setString("request_hash", claim.requestHash())
                        .setUuid("command_id", claim.commandId())
                        .setLong("base_version", claim.baseVersion())
                        .setInstant("claimed_at", claim.claimedAt())
                        .setIdempotent(false))
                .map(rows -> rows.wasApplied() ? null : found(claim.key(), rows.one()));
    }

    public Future<Boolean> complete(String key, UUID commandId, String outcome) {
        return session.execute(complete.bind().setString("idempotency_key", key).setUuid("command_id", commandId)
                .setString("outcome", outcome).setIdempotent(false)).map(AsyncResultSet::wasApplied);
    }

    public Future<Boolean> markUnknown(String key, UUID commandId) {
        return session.execute(markUnknown.bind().setString("idempotency_key", key).setUuid("command_id", commandId)
                .setIdempotent(false)).map(AsyncResultSet::wasApplied);
    }

    public Future<Boolean> takeOver(KeyClaim claim, UUID previousCommandId) {
        return session.execute(takeOver.bind()
                        .setString("idempotency_key", claim.key())
                        .setUuid("command_id", claim.commandId())
                        .setLong("base_version", claim.baseVersion())
                        .setInstant("claimed_at", claim.claimedAt())
                        .setUuid("aggregate_id", claim.aggregateId())
                        .setString("command_type", claim.commandType())
                        .setString("request_hash", claim.requestHash())
                        .setUuid("previous_command_id", previousCommandId)
                        .setIdempotent(false))
                .map(AsyncResultSet::wasApplied);
    }

    public Future<Boolean> release(String key, UUID commandId) {
        return session.execute(release.bind().setString("idempotency_key", key).setUuid("command_id", commandId)
                .setIdempotent(false)).map(AsyncResultSet::wasApplied);
    }

    /** A claim as a refused insert reads it back. */
    private static KeyClaim found(String key, Row row) {
        return new KeyClaim(key, row.getUuid("aggregate_id"), row.getString("command_type"), row.getString("request_hash"),
                row.getUuid("command_id"), Status.valueOf(row.getString("status")),
                row.isNull("base_version") ? 0 : row.getLong("base_version"), row.getString("outcome"),
                row.getInstant("claimed_at"));
    }
}
