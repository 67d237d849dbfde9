package io.ordo.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.ordo.command.CommandReply;
import io.ordo.command.CommandRequest;
import io.ordo.domain.customer.CustomerCommand;
import io.ordo.domain.customer.Email;
import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderRejection;
import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.EventEnvelope;
import io.ordo.testing.StoreFixture;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClusterCodecsTest {

    private final ClusterCodecs.Wire wire = new ClusterCodecs.Wire(StoreFixture.BUILT_IN);

    private static CommandMetadata metadata() {
        return new CommandMetadata(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), Map.of("source", "test"));
    }

    @Test
    void commandsOfEveryShapeCrossAsTheyWere() {
        UUID order = UUID.randomUUID();
        List<Object> commands = List.of(
                new OrderCommand.CreateOrder(order, UUID.randomUUID(),
                        List.of(new OrderItem(UUID.randomUUID(), 2, new Money(1999, "EUR")), OrderItem.of(UUID.randomUUID(), 1))),
                new OrderCommand.UpdateItems(List.of(OrderItem.of(UUID.randomUUID(), 3)), null),
                new OrderCommand.ConfirmOrder(),
                new OrderCommand.ShipOrder("TRK-1", "DHL"),
                new OrderCommand.CancelOrder("changed my mind", UUID.randomUUID()));
        for (Object command : commands) {
            CommandRequest request = new CommandRequest("Order", order, command, metadata(), 3L, "key-1", "hash");
            assertEquals(request, wire.request(wire.request(request)));
        }
        CommandRequest customer = new CommandRequest("Customer", UUID.randomUUID(),
                new CustomerCommand.ChangeEmail(Email.parse("ann@example.com")), CommandMetadata.system(), null, null, null);
        assertEquals(customer, wire.request(wire.request(customer)));
    }

    @Test
    void onlyATypeOfTheModulesCommandFamilyIsReadBack() {
        CommandRequest request = new CommandRequest("Order", UUID.randomUUID(), new OrderCommand.ConfirmOrder(), metadata(),
                null, null, null);
        JsonNode json = wire.request(request);
        ((com.fasterxml.jackson.databind.node.ObjectNode) json).put("commandType", CustomerCommand.ReactivateCustomer.class.getName());
        assertThrows(IllegalArgumentException.class, () -> wire.request(json));
        ((com.fasterxml.jackson.databind.node.ObjectNode) json).put("commandType", "java.lang.Runtime");
        assertThrows(IllegalArgumentException.class, () -> wire.request(json));
    }

    @Test
    void anAcceptedReplyCarriesTheStateAndTheEvents() {
        OrderDecider decider = new OrderDecider();
        UUID id = UUID.randomUUID();
        var applied = (Aggregate.Execution.Applied<?, ?>) Aggregate.empty(decider, id).execute(decider,
                new OrderCommand.CreateOrder(id, UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 2))),
                metadata(), Instant.parse("2026-12-02T10:00:00Z"));
        List<EventEnvelope<?>> events = List.copyOf(applied.events());
        CommandReply accepted = new CommandReply.Accepted(applied.after(), events);
        CommandReply read = wire.reply(wire.reply(accepted));
        CommandReply.Accepted back = assertInstanceOf(CommandReply.Accepted.class, read);
        assertEquals(applied.after(), back.aggregate());
        assertEquals(events, back.events());
    }

    @Test
    void everyOtherReplyCrossesAsItWas() {
        List<CommandReply> replies = List.of(new CommandReply.VersionMismatch(3, 5), new CommandReply.Contended(7),
                new CommandReply.KeyReused("k"), new CommandReply.InProgress("k"),
                new CommandReply.Unavailable(true, "timed out"),
                new CommandReply.Replayed(new CommandReply.Contended(2)));
        for (CommandReply reply : replies) {
            assertEquals(reply, wire.reply(wire.reply(reply)));
        }
        var rejection = OrderRejection.values()[0].because("no");
        CommandReply.Rejected rejected = assertInstanceOf(CommandReply.Rejected.class,
                wire.reply(wire.reply(new CommandReply.Rejected(rejection, 4))));
        assertEquals(rejection.code().name(), rejected.rejection().code().name());
        assertEquals(rejection.code().kind(), rejected.rejection().code().kind());
        assertEquals("no", rejected.rejection().message());
        assertEquals(4, rejected.version());
    }
}
