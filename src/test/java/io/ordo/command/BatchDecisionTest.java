package io.ordo.command;

import io.ordo.command.BatchDecision.Command;
import io.ordo.command.BatchDecision.Outcome;
import io.ordo.domain.customer.CustomerCommand;
import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.customer.CustomerRejection;
import io.ordo.domain.customer.CustomerState;
import io.ordo.domain.customer.Email;
import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.Rejection;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class BatchDecisionTest {

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Decider<Object, Object, DomainEvent> CUSTOMERS = (Decider) new CustomerDecider();
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final UUID ID = UUID.randomUUID();

    private static Command command(Object command) {
        return new Command(command, CommandMetadata.system(), null, null);
    }

    private static Command ifMatch(Object command, long version) {
        return new Command(command, CommandMetadata.system(), version, null);
    }

    private static CustomerCommand.RegisterCustomer register() {
        return new CustomerCommand.RegisterCustomer(ID, Email.parse("ann@example.com"), "Ann", "Lee", null);
    }

    private static CustomerCommand.UpdateCustomerDetails rename(String first) {
        return new CustomerCommand.UpdateCustomerDetails(first, "Lee", null);
    }

    private static Aggregate<Object> empty() {
        return Aggregate.empty(CUSTOMERS, ID);
    }

    @Test
    void eachCommandIsDecidedOnTheStateTheOnesBeforeItLeft() {
        BatchDecision.Result result = BatchDecision.decide(CUSTOMERS, empty(),
                List.of(command(register()), command(rename("Bea")), command(rename("Cy"))), NOW);

        assertEquals(3, result.outcomes().size());
        result.outcomes().forEach(outcome -> assertInstanceOf(Outcome.Accepted.class, outcome));
        assertEquals(3, result.after().version());
        assertEquals(List.of(1L, 2L, 3L), result.events().stream().map(event -> event.sequenceNumber()).toList());
        assertEquals("Cy", ((CustomerState) result.after().state()).firstName());
        assertEquals(2, ((Outcome.Accepted) result.outcomes().get(1)).after().version(), "each answer at its own version");
    }

    @Test
    void aRejectedCommandChangesNothingAndDoesNotSinkTheOthers() {
        BatchDecision.Result result = BatchDecision.decide(CUSTOMERS, empty(),
                List.of(command(register()), command(register()), command(rename("Bea"))), NOW);

        assertInstanceOf(Outcome.Accepted.class, result.outcomes().get(0));
        assertInstanceOf(Outcome.Rejected.class, result.outcomes().get(1));
        assertInstanceOf(Outcome.Accepted.class, result.outcomes().get(2));
        assertEquals(2, result.after().version());
        assertEquals(2, result.events().size());
    }

    @Test
    void aCommandRefusedBeforeDecidingStaysRefused() {
        Rejection taken = CustomerRejection.CUSTOMER_EMAIL_TAKEN.because("held by another customer");
        BatchDecision.Result result = BatchDecision.decide(CUSTOMERS, empty(),
                List.of(new Command(register(), CommandMetadata.system(), null, taken), command(rename("Bea"))), NOW);

        assertEquals(new Outcome.Rejected(taken), result.outcomes().get(0));
        assertInstanceOf(Outcome.Rejected.class, result.outcomes().get(1), "no customer was registered to rename");
        assertEquals(0, result.after().version());
        assertEquals(List.of(), result.events());
    }

    @Test
    void anIfMatchIsCheckedAgainstTheVersionTheCommandsBeforeItReached() {
        BatchDecision.Result result = BatchDecision.decide(CUSTOMERS, empty(),
                List.of(ifMatch(register(), 0), ifMatch(rename("Bea"), 0), ifMatch(rename("Cy"), 1)), NOW);

        assertInstanceOf(Outcome.Accepted.class, result.outcomes().get(0));
        assertEquals(new Outcome.VersionMismatch(0, 1), result.outcomes().get(1));
        assertInstanceOf(Outcome.Accepted.class, result.outcomes().get(2));
        assertEquals(2, result.after().version());
    }

    @Test
    void anEmptyBatchLeavesTheAggregateAsItWas() {
        Aggregate<Object> base = empty();
        BatchDecision.Result result = BatchDecision.decide(CUSTOMERS, base, List.of(), NOW);
        assertEquals(List.of(), result.outcomes());
        assertEquals(base, result.after());
    }
}
