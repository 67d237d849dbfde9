package io.ordo.store;

import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderState;
import io.ordo.domain.order.OrderStatus;
import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventEnvelope;
import io.ordo.testing.StoreFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Snapshots change how fast an aggregate loads, never what it loads; time travel replays a prefix. */
class SnapshotsAndTimeTravelIT {

    private static final int SNAPSHOT_EVERY = 10;
    private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");

    private static StoreFixture fixture;
    private static AggregateRepository<OrderState, OrderCommand, OrderEvent> orders;
    private static EventStore store;

    @BeforeAll
    static void start() {
        fixture = StoreFixture.create(SnapshotsAndTimeTravelIT.class, SNAPSHOT_EVERY);
        orders = fixture.repository(new OrderDecider());
        store = orders.store();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** Creates an order and changes its items until it reaches {@code version}; event k is stamped T0 + k minutes. */
    private static UUID orderAtVersion(int version) {
        UUID id = UUID.randomUUID();
        Aggregate<OrderState> order = Aggregate.empty(orders.decider(), id);
        for (int k = 1; k <= version; k++) {
            OrderCommand command = k == 1
                    ? new OrderCommand.CreateOrder(id, UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)))
                    : k == version
                    ? new OrderCommand.ConfirmOrder()
                    : new OrderCommand.UpdateItems(List.of(OrderItem.of(UUID.randomUUID(), k)), "step " + k);
            var applied = assertInstanceOf(Aggregate.Execution.Applied.class,
                    order.execute(orders.decider(), command, CommandMetadata.system(), T0.plusSeconds(60L * k)));
            @SuppressWarnings("unchecked")
            var execution = (Aggregate.Execution.Applied<OrderState, OrderEvent>) applied;
            assertInstanceOf(AppendResult.Appended.class, await(orders.save(order, execution.events(), execution.after())));
            order = execution.after();
        }
        return id;
    }

    private static Aggregate<OrderState> replayOf(UUID id, int firstEvents) {
        List<EventEnvelope<DomainEvent>> events = await(store.load(id, 1, firstEvents));
        return Aggregate.rebuild(orders.decider(), id, events);
    }

    private static long snapshots(UUID id) {
        return fixture.session.execute("SELECT count(*) FROM " + fixture.config.keyspace()
                + ".snapshots WHERE aggregate_id = ?", id).one().getLong(0);
    }

    @Test
    void loadingWithSnapshotsEqualsAFullReplay() {
        UUID id = orderAtVersion(25);

        assertEquals(2, snapshots(id), "snapshots at versions 10 and 20");
        Aggregate<OrderState> loaded = await(orders.load(id));
        assertEquals(25, loaded.version());
        assertEquals(OrderStatus.CONFIRMED, loaded.state().status());
        assertEquals(replayOf(id, 25), loaded);
    }

    @Test
    void timeTravelToVersionKEqualsReplayingKEvents() {
        UUID id = orderAtVersion(23);
        for (int k = 0; k <= 23; k++) {
            assertEquals(replayOf(id, k), await(orders.loadAt(id, k)), "state at version " + k);
        }
        assertEquals(23, await(orders.loadAt(id, 1_000)).version(), "past the end is the current state");
    }

    @Test
    void timeTravelToAnInstantReplaysEveryEventUpToIt() {
        UUID id = orderAtVersion(23);
        assertEquals(0, await(orders.loadAt(id, T0)).version(), "before the first event");
        for (int k = 1; k <= 23; k++) {
            Instant atEventK = T0.plusSeconds(60L * k);
            assertEquals(replayOf(id, k), await(orders.loadAt(id, atEventK)), "at the instant of event " + k);
            assertEquals(replayOf(id, k), await(orders.loadAt(id, atEventK.plusSeconds(59))), "just before event " + (k + 1));
        }
    }

    @Test
    void aStaleOrUnreadableSnapshotIsIgnoredNeverMisread() {
        UUID id = orderAtVersion(12);
        Aggregate<OrderState> expected = replayOf(id, 12);
        String insert = "INSERT INTO " + fixture.config.keyspace()
                + ".snapshots (aggregate_id, version, aggregate_type, schema_version, state, event_time) VALUES (?, ?, ?, ?, ?, ?)";

        // A snapshot from a build whose state had another shape: newer schema version, misleading content.
        fixture.session.execute(insert, id, 12L, "Order", 99, "{\"createdAt\":\"2020-01-01T00:00:00Z\",\"state\":{\"status\":\"DELIVERED\"}}",
                T0.plusSeconds(720));
        assertEquals(expected, await(orders.load(id)));

        // A snapshot of this schema version that cannot be read.
        fixture.session.execute(insert, id, 12L, "Order", 1, "{not json", T0.plusSeconds(720));
        assertEquals(expected, await(orders.load(id)));

        // A snapshot written for another aggregate type.
        fixture.session.execute(insert, id, 12L, "Customer", 1, "{\"createdAt\":\"2020-01-01T00:00:00Z\",\"state\":{}}",
                T0.plusSeconds(720));
        assertEquals(expected, await(orders.load(id)));
    }
}
