package io.ordo.store;

import com.datastax.oss.driver.api.core.cql.Row;
import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.customer.CustomerEvent.CustomerRegistered;
import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderEvent.OrderConfirmed;
import io.ordo.domain.order.OrderEvent.OrderCreated;
import io.ordo.domain.order.OrderEvent.OrderItemsUpdated;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderState;
import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.DomainEvent;
import io.ordo.es.EventEnvelope;
import io.ordo.testing.StoreFixture;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The append protocol and the reads, against the real embedded Cassandra. */
class EventStoreIT {

    private static StoreFixture fixture;
    private static EventStore store;

    private static final String ORDER = OrderDecider.AGGREGATE_TYPE;

    @BeforeAll
    static void start() {
        fixture = StoreFixture.create(EventStoreIT.class, 100);
        store = fixture.eventStore();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static OrderCreated created() {
        return new OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)));
    }

    private static OrderItemsUpdated itemsUpdated(int quantity) {
        return new OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), quantity)), "change " + quantity);
    }

    /** The outbox intents of an aggregate in the polling index (every minute's partition: a test's small table). */
    private static long intents(UUID aggregateId) {
        return fixture.session.execute("SELECT count(*) FROM " + fixture.config.keyspace()
                + ".outbox_by_shard WHERE aggregate_id = ? ALLOW FILTERING", aggregateId).one().getLong(0);
    }

    private static long count(String table, UUID aggregateId) {
        Row row = fixture.session.execute("SELECT count(*) FROM " + fixture.config.keyspace() + "." + table
                + " WHERE aggregate_id = ?", aggregateId).one();
        return row.getLong(0);
    }

    @Test
    void eventsRoundTripWithFullMetadataAndContiguousSequenceNumbers() {
        UUID id = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        CommandMetadata metadata = new CommandMetadata(UUID.randomUUID(), UUID.randomUUID(), user,
                Map.of("source", "it", "ip", "127.0.0.1"));

        AppendResult result = await(store.append(ORDER, id, 0, List.of(created(), itemsUpdated(2), new OrderConfirmed()), metadata));

        AppendResult.Appended appended = assertInstanceOf(AppendResult.Appended.class, result);
        assertEquals(3, appended.version());
        List<EventEnvelope<DomainEvent>> loaded = await(store.load(id));
        assertEquals(appended.events(), loaded);
        for (int i = 0; i < loaded.size(); i++) {
            EventEnvelope<DomainEvent> event = loaded.get(i);
            assertEquals(i + 1, event.sequenceNumber());
            assertEquals(metadata.commandId(), event.causationId());
            assertEquals(metadata.correlationId(), event.correlationId());
            assertEquals(user, event.userId());
            assertEquals(metadata.metadata(), event.metadata());
            assertEquals(ORDER, event.aggregateType());
        }
        assertEquals(new EventStore.StreamHead(3, ORDER), await(store.head(id)));
        assertTrue(await(store.exists(id)));

        Row sequence = fixture.session.execute("SELECT aggregate_type, current_sequence FROM "
                + fixture.config.keyspace() + ".aggregate_sequence WHERE aggregate_id = ?", id).one();
        assertEquals(ORDER, sequence.getString("aggregate_type"));
        assertEquals(3, sequence.getLong("current_sequence"));
        assertEquals(3, intents(id), "one intent per event in the polling index");
        assertEquals(0, count("outbox_messages", id), "on Cassandra the outbox is the polling index only");
    }

    @Test
    void anUnknownAggregateIsVersionZero() {
        UUID id = UUID.randomUUID();
        assertEquals(0, await(store.currentVersion(id)));
        assertEquals(false, await(store.exists(id)));
        assertEquals(List.of(), await(store.load(id)));
    }

    @Test
    void ofThirtyTwoConcurrentAppendsAtOneVersionExactlyOneApplies() {
        UUID id = UUID.randomUUID();
        await(store.append(ORDER, id, 0, List.of(created()), CommandMetadata.system()));

        List<Future<AppendResult>> racers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            racers.add(store.append(ORDER, id, 1, List.of(itemsUpdated(i + 1)), CommandMetadata.system()));
        }
        List<AppendResult> results = racers.stream().map(StoreFixture::await).toList();

        assertEquals(1, results.stream().filter(AppendResult.Appended.class::isInstance).count());
        List<AppendResult> conflicts = results.stream().filter(AppendResult.Conflict.class::isInstance).toList();
        assertEquals(31, conflicts.size());
        conflicts.forEach(conflict -> assertEquals(new AppendResult.Conflict(2), conflict));
        assertEquals(2, await(store.load(id)).size());
    }

    @Test
    void sixteenWritersDecidingAndRetryingNeverLoseAnUpdate() {
        UUID id = UUID.randomUUID();
        AggregateRepository<OrderState, OrderCommand, OrderEvent> orders = fixture.repository(new OrderDecider());
        Set<UUID> reportedCommitted = ConcurrentHashMap.newKeySet();

        List<Future<Integer>> writers = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
            writers.add(decideAppendRetry(orders, id, 20, reportedCommitted, 0));
        }
        int retries = writers.stream().mapToInt(StoreFixture::await).sum();

        List<EventEnvelope<DomainEvent>> events = await(store.load(id));
        assertEquals(320, await(store.currentVersion(id)));
        assertEquals(320, events.size());
        Set<UUID> stored = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).sequenceNumber(), "sequence numbers 1..320, no gap, no duplicate");
            stored.add(events.get(i).eventId());
        }
        assertEquals(320, reportedCommitted.size());
        assertEquals(reportedCommitted, stored, "every event reported committed is in the store");
        System.out.printf("16 writers x 20 loops: 320 events, %d conflicts retried%n", retries);
    }

    /** One writer: load, decide, append; on a conflict reload and decide again. Returns its retry count. */
    private static Future<Integer> decideAppendRetry(AggregateRepository<OrderState, OrderCommand, OrderEvent> orders,
                                                     UUID id, int remaining, Set<UUID> committed, int retries) {
        if (remaining == 0) {
            return Future.succeededFuture(retries);
        }
        return orders.load(id).compose(order -> {
            OrderCommand command = order.exists()
                    ? new OrderCommand.UpdateItems(List.of(OrderItem.of(UUID.randomUUID(), remaining)), null)
                    : new OrderCommand.CreateOrder(id, UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)));
            var applied = (Aggregate.Execution.Applied<OrderState, OrderEvent>)
                    order.execute(orders.decider(), command, CommandMetadata.system(), Instant.now());
            return orders.save(order, applied.events(), applied.after()).compose(result -> {
                if (result instanceof AppendResult.Appended appended) {
                    appended.events().forEach(event -> committed.add(event.eventId()));
                    return decideAppendRetry(orders, id, remaining - 1, committed, retries);
                }
                return decideAppendRetry(orders, id, remaining, committed, retries + 1);
            });
        });
    }

    @Test
    void aMultiEventAppendIsAllOrNothing() {
        UUID id = UUID.randomUUID();
        // Each event alone fits; together they exceed the largest mutation the node accepts (4 MiB): neither lands.
        OrderItemsUpdated big = new OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), 1)), "x".repeat(2_500_000));
        assertThrows(RuntimeException.class,
                () -> await(store.append(ORDER, id, 0, List.of(created(), big, big), CommandMetadata.system())));
        assertEquals(0, count("event_store", id));
        assertEquals(0, count("outbox_messages", id));
        assertEquals(0, await(store.currentVersion(id)));

        await(store.append(ORDER, id, 0, List.of(created(), itemsUpdated(3), itemsUpdated(4)), CommandMetadata.system()));
        assertEquals(3, await(store.load(id)).size());
    }

    @Test
    void aConflictingAppendLeavesNoEventRowAndOnlyIntentsWithNothingBehindThem() {
        UUID id = UUID.randomUUID();
        await(store.append(ORDER, id, 0, List.of(created()), CommandMetadata.system()));

        AppendResult late = await(store.append(ORDER, id, 0, List.of(created(), itemsUpdated(1), itemsUpdated(2)),
                CommandMetadata.system()));

        assertEquals(new AppendResult.Conflict(1), late);
        assertEquals(1, count("event_store", id));
        assertEquals(1, await(store.load(id)).size());
        // The refused batch's intents stay in the index until the relay finds no event of theirs behind them.
        assertEquals(4, intents(id));
    }

    @Test
    void badInputGetsAClearErrorAndWritesNothing() {
        UUID id = UUID.randomUUID();
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> await(store.append(ORDER, id, 0, List.of(), CommandMetadata.system())));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());

        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> await(store.append(ORDER, id, -1, List.of(created()), CommandMetadata.system())));
        assertTrue(negative.getMessage().contains("expected version"), negative.getMessage());

        EventEnvelope<OrderCreated> foreign = EventEnvelope.wrap(created(), UUID.randomUUID(), ORDER, 1,
                CommandMetadata.system(), Instant.now());
        assertThrows(IllegalArgumentException.class, () -> await(store.append(ORDER, id, 0, List.of(foreign))));

        EventEnvelope<OrderCreated> misnumbered = EventEnvelope.wrap(created(), id, ORDER, 5,
                CommandMetadata.system(), Instant.now());
        assertThrows(IllegalArgumentException.class, () -> await(store.append(ORDER, id, 0, List.of(misnumbered))));

        assertEquals(0, count("event_store", id));
        assertEquals(0, count("outbox_messages", id));
    }

    @Test
    void anIdOfAnotherAggregateTypeIsRefused() {
        UUID id = UUID.randomUUID();
        await(store.append(CustomerDecider.AGGREGATE_TYPE, id, 0,
                List.of(new CustomerRegistered("a@b.io", "Ann", "Bee", null)), CommandMetadata.system()));

        assertThrows(AggregateTypeMismatchException.class,
                () -> await(store.append(ORDER, id, 1, List.of(itemsUpdated(1)), CommandMetadata.system())));
        assertEquals(new AppendResult.Conflict(1),
                await(store.append(ORDER, id, 0, List.of(created()), CommandMetadata.system())));
        assertThrows(AggregateTypeMismatchException.class,
                () -> await(fixture.repository(new OrderDecider()).load(id)));
        assertEquals(1, count("event_store", id));
        assertEquals(new EventStore.StreamHead(1, CustomerDecider.AGGREGATE_TYPE), await(store.head(id)));
    }

    @Test
    void aLongStreamIsReadPageByPage() {
        UUID id = UUID.randomUUID();
        // 1,500 events in batches of 100; the fixture reads 1,000 rows a page.
        List<DomainEvent> batch = new ArrayList<>();
        batch.add(created());
        long version = 0;
        while (version < 1_500) {
            while (batch.size() < 100) {
                batch.add(itemsUpdated(batch.size() + 1));
            }
            await(store.append(ORDER, id, version, batch, CommandMetadata.system()));
            version += batch.size();
            batch = new ArrayList<>();
        }
        List<EventEnvelope<DomainEvent>> all = await(store.load(id));
        assertEquals(1_500, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i + 1, all.get(i).sequenceNumber());
        }
        List<EventEnvelope<DomainEvent>> tail = await(store.load(id, 990, 1_010));
        assertEquals(21, tail.size());
        assertEquals(990, tail.get(0).sequenceNumber());
    }

    @Test
    void aFaultAfterTheOutboxLeavesAnIntentAndNoEvent() {
        UUID id = UUID.randomUUID();
        EventStore faulty = fixture.eventStore(FaultInjector.failAt(FaultInjector.Point.AFTER_OUTBOX));
        assertThrows(FaultInjector.InjectedFault.class,
                () -> await(faulty.append(ORDER, id, 0, List.of(created()), CommandMetadata.system())));
        assertEquals(1, intents(id));
        assertEquals(0, count("event_store", id));
    }

    @Test
    void aFaultAfterTheCommitLeavesTheEventCommitted() {
        UUID id = UUID.randomUUID();
        EventStore faulty = fixture.eventStore(FaultInjector.failAt(FaultInjector.Point.AFTER_COMMIT));
        assertThrows(FaultInjector.InjectedFault.class,
                () -> await(faulty.append(ORDER, id, 0, List.of(created()), CommandMetadata.system())));
        assertEquals(1, intents(id));
        assertEquals(1, await(store.currentVersion(id)));
        assertEquals(1, await(store.load(id)).size());
    }

    @Test
    void aCommitWhoseAnswerIsLostIsSettledAsApplied() {
        UUID id = UUID.randomUUID();
        EventStore lossy = fixture.eventStore(FaultInjector.timeoutAt(FaultInjector.Point.COMMIT_ANSWERED));
        AppendResult result = await(lossy.append(ORDER, id, 0, List.of(created(), itemsUpdated(2)), CommandMetadata.system()));
        assertEquals(2, assertInstanceOf(AppendResult.Appended.class, result).version());
        assertEquals(2, await(store.load(id)).size());
    }

    @Test
    void aCommitLostOnTheWayIsSettledAsNotApplied() {
        UUID id = UUID.randomUUID();
        await(store.append(ORDER, id, 0, List.of(created()), CommandMetadata.system()));
        EventStore lossy = fixture.eventStore(FaultInjector.timeoutAt(FaultInjector.Point.BEFORE_COMMIT));
        AppendResult result = await(lossy.append(ORDER, id, 1, List.of(itemsUpdated(2)), CommandMetadata.system()));
        assertEquals(new AppendResult.Conflict(1), result, "not applied: decide again on version 1");
        assertEquals(1, await(store.load(id)).size());
    }

    @Test
    void aPaxosWriteFailureOnACommitThatAppliedIsSettledAsApplied() {
        UUID id = UUID.randomUUID();
        EventStore failing = fixture.eventStore(FaultInjector.writeFailureAt(FaultInjector.Point.COMMIT_ANSWERED));
        AppendResult result = await(failing.append(ORDER, id, 0, List.of(created()), CommandMetadata.system()));
        assertEquals(1, assertInstanceOf(AppendResult.Appended.class, result).version(), "a write failure may have applied");
        assertEquals(1, await(store.load(id)).size());
    }

    @Test
    void aPaxosWriteFailureOnACommitThatDidNotApplyIsSettledAsNotApplied() {
        UUID id = UUID.randomUUID();
        await(store.append(ORDER, id, 0, List.of(created()), CommandMetadata.system()));
        EventStore failing = fixture.eventStore(FaultInjector.writeFailureAt(FaultInjector.Point.BEFORE_COMMIT));
        AppendResult result = await(failing.append(ORDER, id, 1, List.of(itemsUpdated(2)), CommandMetadata.system()));
        assertEquals(new AppendResult.Conflict(1), result);
        assertEquals(1, await(store.load(id)).size());
    }

    @Test
    void theSchemaApplierIsIdempotent() {
        await(new SchemaApplier(fixture.vertx, fixture.session, fixture.config, StoreFixture.BUILT_IN).apply());
        Row version = fixture.session.execute("SELECT version, description FROM " + fixture.config.keyspace()
                + ".schema_version").one();
        assertEquals(1, version.getInt("version"));
        assertEquals("initial", version.getString("description"));
    }
}
