package io.ordo.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.UUID;

/**
 * Values at most one aggregate holds at a time, per scope (a customer's email address). A command whose
 * events claim a value stamps it first with a claim of its own (its id and the version it was decided on):
 * reserved if free, re-stamped if its aggregate held it already, taken over from a holder whose stream does
 * not confirm it. Every change is conditional on the claim last seen, so a release never frees a value a
 * later claim stamped, whichever instance made it. Every statement is a lightweight transaction and none is
 * retried by the driver. Whether a holder's stream confirms a value is the command processor's to find out.
 */
public final class UniqueValues {

    /** Who holds a value: the aggregate, the claim that stamped it last, the version it was decided on, when. */
    public record Holder(UUID owner, UUID claimId, long claimVersion, Instant claimedAt) {
    }

    /** A claim a command makes on a value: its own id, its aggregate, the version its command is decided on. */
    public record Claim(UUID owner, UUID claimId, long baseVersion) {
    }

    static final String RESERVE = """
            INSERT INTO %s.unique_values (scope, value, owner, claim_id, claim_version, claimed_at)
            VALUES (:scope, :value, :owner, :claim_id, :claim_version, :claimed_at)
            IF NOT EXISTS""";
    static final String TAKE_OVER = """
            UPDATE %s.unique_values SET owner = :owner, claim_id = :claim_id, claim_version = :claim_version,
                claimed_at = :claimed_at
            WHERE scope = :scope AND value = :value IF owner = :holder AND claim_id = :seen_claim_id""";
    static final String RELEASE = """
            DELETE FROM %s.unique_values WHERE scope = :scope AND value = :value IF owner = :owner AND claim_id = :claim_id""";
    static final String SELECT_HOLDER = """
            SELECT owner, claim_id, claim_version, claimed_at FROM %s.unique_values WHERE scope = :scope AND value = :value""";

    private final ReadModelSession session;
    private final FaultInjector faults;
    private final PreparedStatement reserve;
    private final PreparedStatement takeOver;
    private final PreparedStatement release;
    private final PreparedStatement selectHolder;

    private UniqueValues(ReadModelSession session, FaultInjector faults, PreparedStatement reserve,
                         PreparedStatement takeOver, PreparedStatement release, PreparedStatement selectHolder) {
        this.session = session;
        this.faults = faults;
        this.reserve = reserve;
        this.takeOver = takeOver;
        this.release = release;
        this.selectHolder = selectHolder;
    }

    static Future<UniqueValues> prepare(ReadModelSession session, FaultInjector faults) {
        Future<PreparedStatement> reserve = session.prepare(RESERVE);
        Future<PreparedStatement> takeOver = session.prepare(TAKE_OVER);
        Future<PreparedStatement> release = session.prepare(RELEASE);
        Future<PreparedStatement> selectHolder = session.prepare(SELECT_HOLDER);
        return Future.all(reserve, takeOver, release, selectHolder).map(done -> new UniqueValues(session, faults,
                reserve.result(), takeOver.result(), release.result(), selectHolder.result()));
    }

    /** Reserves a free {@code value} for {@code claim}; answers who holds it instead (maybe the claim's own aggregate), or null. */
    public Future<Holder> reserve(String scope, String value, Claim claim) {
        return session.execute(reserve.bind().setString("scope", scope).setString("value", value)
                        .setUuid("owner", claim.owner()).setUuid("claim_id", claim.claimId())
                        .setLong("claim_version", claim.baseVersion()).setInstant("claimed_at", Instant.now())
                        .setIdempotent(false))
                .map(rows -> rows.wasApplied() ? null : holder(rows.one()));
    }

    /**
     * Stamps {@code value} with {@code claim} if {@code seen} is still its holder (the same aggregate, to
     * re-stamp a value it held; another, whose stream does not hold it, to take it over); false when it
     * changed meanwhile.
     */
    public Future<Boolean> takeOver(String scope, String value, Holder seen, Claim claim) {
        return session.execute(takeOver.bind().setString("scope", scope).setString("value", value)
                        .setUuid("owner", claim.owner()).setUuid("claim_id", claim.claimId())
                        .setLong("claim_version", claim.baseVersion()).setInstant("claimed_at", Instant.now())
                        .setUuid("holder", seen.owner()).setUuid("seen_claim_id", seen.claimId())
                        .setIdempotent(false))
                .map(AsyncResultSet::wasApplied);
    }

    /** Frees {@code value} if {@code claim} stamped it last (a claim abandoned, or whose command did not keep it). */
    public Future<Boolean> release(String scope, String value, Claim claim) {
        return faults.at(FaultInjector.Point.VALUE_RELEASE, claim.owner())
                .compose(v -> session.execute(release.bind().setString("scope", scope).setString("value", value)
                        .setUuid("owner", claim.owner()).setUuid("claim_id", claim.claimId()).setIdempotent(false)))
                .map(AsyncResultSet::wasApplied);
    }

    /**
     * Frees {@code value}, which {@code owner}'s stream no longer holds at {@code version}, unless a claim
     * decided on that version or a later one stamped it: that claim's command may hold it again (a change
     * back), and it is that command's to keep or free. Read with SERIAL consistency, freed only if the
     * claim read is still the last.
     */
    public Future<Boolean> releaseUnlessClaimedSince(String scope, String value, UUID owner, long version) {
        return faults.at(FaultInjector.Point.VALUE_RELEASE, owner)
                .compose(v -> session.execute(selectHolder.bind().setString("scope", scope).setString("value", value)
                        .setConsistencyLevel(ConsistencyLevel.SERIAL)))
                .compose(rows -> {
                    Row row = rows.one();
                    if (row == null) {
                        return Future.succeededFuture(false);
                    }
                    Holder holder = holder(row);
                    if (!owner.equals(holder.owner()) || holder.claimVersion() >= version) {
                        return Future.succeededFuture(false);
                    }
                    return session.execute(release.bind().setString("scope", scope).setString("value", value)
                                    .setUuid("owner", owner).setUuid("claim_id", holder.claimId()).setIdempotent(false))
                            .map(AsyncResultSet::wasApplied);
                });
    }

    private static Holder holder(Row row) {
        return new Holder(row.getUuid("owner"), row.getUuid("claim_id"),
                row.isNull("claim_version") ? 0 : row.getLong("claim_version"), row.getInstant("claimed_at"));
    }
}
