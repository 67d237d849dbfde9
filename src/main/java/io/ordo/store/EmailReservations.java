package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Instant;
import java.util.UUID;

/**
 * One customer per email address, across aggregates: an address is reserved with a conditional
 * insert before the event that claims it is appended, and released when the customer moves on.
 */
public final class EmailReservations {

    private final Vertx vertx;
    private final CqlSession session;
    private final Statements cql;

    public EmailReservations(Vertx vertx, CqlSession session, Statements cql) {
        this.vertx = vertx;
        this.session = session;
        this.cql = cql;
    }

    /** What a reservation found: the address is newly the customer's, was already, or is another's. */
    public enum Reservation {
        RESERVED, ALREADY_HELD, TAKEN
    }

    /**
     * Reserves {@code email} (already normalised) for {@code customerId}. Only a {@code RESERVED}
     * address may be released by the same command if it fails: an {@code ALREADY_HELD} one may be
     * the customer's committed address.
     */
    public Future<Reservation> reserve(String email, UUID customerId) {
        return Cql.future(vertx, session.executeAsync(cql.reserveEmail().bind()
                        .setString("email", email)
                        .setUuid("customer_id", customerId)
                        .setInstant("reserved_at", Instant.now())
                        .setIdempotent(true)))
                .map(rows -> {
                    if (rows.wasApplied()) {
                        return Reservation.RESERVED;
                    }
                    Row holder = rows.one();
                    return holder != null && customerId.equals(holder.getUuid("customer_id"))
                            ? Reservation.ALREADY_HELD : Reservation.TAKEN;
                });
    }

    /** Frees {@code email} if {@code customerId} holds it; a no-op otherwise. */
    public Future<Void> release(String email, UUID customerId) {
        return Cql.future(vertx, session.executeAsync(cql.releaseEmail().bind()
                        .setString("email", email)
                        .setUuid("customer_id", customerId)
                        .setIdempotent(true)))
                .mapEmpty();
    }
}
