package io.ordo.command;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MailboxTest {

    /** A command and its idempotency key (null: none). */
    private record Sent(String name, String key) {
    }

    private final Mailbox<Sent> mailbox = new Mailbox<>(Sent::key);

    @Test
    void batchesAreTakenInArrivalOrderUpToTheirSize() {
        for (int i = 0; i < 5; i++) {
            mailbox.add(new Sent("c" + i, null));
        }
        assertEquals(List.of("c0", "c1", "c2"), mailbox.take(3).stream().map(Sent::name).toList());
        assertEquals(List.of("c3", "c4"), mailbox.take(3).stream().map(Sent::name).toList());
        assertTrue(mailbox.isEmpty());
        assertEquals(List.of(), mailbox.take(3));
    }

    @Test
    void aRetryRacingItsOriginalWaitsForTheNextBatch() {
        mailbox.add(new Sent("original", "k"));
        mailbox.add(new Sent("other", null));
        mailbox.add(new Sent("retry", "k"));
        mailbox.add(new Sent("keyed", "j"));

        assertEquals(List.of("original", "other", "keyed"), mailbox.take(10).stream().map(Sent::name).toList());
        assertEquals(List.of("retry"), mailbox.take(10).stream().map(Sent::name).toList(),
                "it meets the original's recorded outcome there");
    }

    @Test
    void aSkippedRetryKeepsItsPlaceBeforeLaterCommands() {
        mailbox.add(new Sent("a", "k"));
        mailbox.add(new Sent("b", "k"));
        mailbox.add(new Sent("c", null));
        assertEquals(List.of("a"), mailbox.take(1).stream().map(Sent::name).toList());
        assertEquals(List.of("b", "c"), mailbox.take(2).stream().map(Sent::name).toList());
    }

    @Test
    void busyIsTheProcessorsMark() {
        assertEquals(false, mailbox.busy());
        mailbox.busy(true);
        assertTrue(mailbox.busy());
    }
}
