package io.ordo.store;

import io.ordo.testing.StoreFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.ordo.store.EmailReservations.Reservation.ALREADY_HELD;
import static io.ordo.store.EmailReservations.Reservation.RESERVED;
import static io.ordo.store.EmailReservations.Reservation.TAKEN;
import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EmailReservationsIT {

    private static StoreFixture fixture;
    private static EmailReservations emails;

    @BeforeAll
    static void start() {
        fixture = StoreFixture.create(EmailReservationsIT.class, 100);
        emails = fixture.emailReservations();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void anAddressBelongsToOneCustomerAtATime() {
        UUID ann = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        String email = "shared-" + UUID.randomUUID() + "@example.com";

        assertEquals(RESERVED, await(emails.reserve(email, ann)));
        assertEquals(ALREADY_HELD, await(emails.reserve(email, ann)), "reserving again is idempotent");
        assertEquals(TAKEN, await(emails.reserve(email, bob)), "a taken address is refused");

        await(emails.release(email, bob));
        assertEquals(TAKEN, await(emails.reserve(email, bob)), "only the holder can release");

        await(emails.release(email, ann));
        assertEquals(RESERVED, await(emails.reserve(email, bob)));
    }

    @Test
    void ofManyConcurrentClaimsExactlyOneWins() {
        String email = "race-" + UUID.randomUUID() + "@example.com";
        List<io.vertx.core.Future<EmailReservations.Reservation>> claims = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            claims.add(emails.reserve(email, UUID.randomUUID()));
        }
        assertEquals(1, claims.stream().map(StoreFixture::await).filter(RESERVED::equals).count());
    }
}
