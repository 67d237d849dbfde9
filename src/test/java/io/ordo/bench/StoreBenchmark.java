package io.ordo.bench;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.domain.order.OrderState;
import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.DomainEvent;
import io.ordo.store.AggregateRepository;
import io.ordo.store.AppendResult;
import io.ordo.store.EventStatements;
import io.ordo.store.EventStore;
import io.ordo.testing.StoreFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static io.ordo.testing.StoreFixture.await;

/**
 * The event store against the embedded Cassandra, side by side in one run:
 * <ol>
 *   <li>raw single-partition conditional batches (the commit alone) vs {@code EventStore.append}
 *       through the whole protocol (outbox batch, commit, aggregate_sequence), 64 in flight,
 *       distinct aggregates;</li>
 *   <li>loading a 10,000-event aggregate with snapshots vs a 10-event one.</li>
 * </ol>
 * {@code mvn -Pbench test-compile exec:exec -Dbench.main=io.ordo.bench.StoreBenchmark}
 */
public final class StoreBenchmark {

    private static final int IN_FLIGHT = 64;
    private static final int APPENDS = 4_000;
    private static final int LOADS = 300;

    public static void main(String[] args) {
        try (StoreFixture fixture = StoreFixture.create(StoreBenchmark.class, 100)) {
            EventStore store = fixture.eventStore();
            // The commit exactly as the store sends it (same statements, same values), without the rest.
            EventStatements statements = StoreFixture.await(EventStatements.prepare(fixture.store.readModels()));
            PreparedStatement guard = statements.guardNewAggregate();
            PreparedStatement insert = statements.insertEvent();
            String payload = fixture.serializer.toJson(created());

            Supplier<Future<?>> rawLwt = () -> {
                UUID id = UUID.randomUUID();
                return Future.fromCompletionStage(fixture.session.executeAsync(BatchStatement.builder(DefaultBatchType.LOGGED)
                        .addStatement(guard.bind().setUuid("aggregate_id", id).setLong("version", 1)
                                .setString("aggregate_type", "Order"))
                        .addStatement(insert.bind().setUuid("aggregate_id", id).setLong("sequence_number", 1)
                                .setUuid("event_id", UUID.randomUUID()).setString("event_type", "OrderCreated")
                                .setInt("event_version", 2).setString("event_data", payload)
                                .setUuid("causation_id", UUID.randomUUID()).setUuid("correlation_id", UUID.randomUUID())
                                .setInstant("timestamp", Instant.now())
                                .setMap("metadata", Map.of(), String.class, String.class))
                        .setIdempotence(false).build()));
            };
            Supplier<Future<?>> fullAppend = () -> store.append("Order", UUID.randomUUID(), 0,
                    List.of(created()), CommandMetadata.system());

            SideBySide.warmUp(() -> System.out.printf("warming up: raw %.0f/s, full %.0f/s%n",
                    rate(rawLwt, APPENDS).perSecond(), rate(fullAppend, APPENDS).perSecond()));
            Run raw = Run.NONE;
            Run full = Run.NONE;
            for (int round = 0; round < SideBySide.ROUNDS; round++) {
                raw = raw.plus(rate(rawLwt, APPENDS));
                full = full.plus(rate(fullAppend, APPENDS));
            }

            PreparedStatement outboxOnly = fixture.session.prepare("INSERT INTO " + fixture.config.keyspace()
                    + ".outbox_messages (aggregate_id, sequence_number, event_id, payload) VALUES (?, 1, ?, ?)");
            PreparedStatement indexOnly = fixture.session.prepare("INSERT INTO " + fixture.config.keyspace()
                    + ".outbox_by_shard (shard, minute, written_at, aggregate_id, sequence_number, event_id) VALUES (0, ?, now(), ?, 1, ?)");
            PreparedStatement sequenceOnly = fixture.session.prepare("UPDATE " + fixture.config.keyspace()
                    + ".aggregate_sequence USING TIMESTAMP 1 SET current_sequence = 1 WHERE aggregate_id = ?");
            double outboxRate = rate(() -> Future.fromCompletionStage(fixture.session.executeAsync(
                    outboxOnly.bind(UUID.randomUUID(), UUID.randomUUID(), payload + payload))), APPENDS).perSecond();
            double indexRate = rate(() -> Future.fromCompletionStage(fixture.session.executeAsync(
                    indexOnly.bind(System.currentTimeMillis() / 60_000, UUID.randomUUID(), UUID.randomUUID()))), APPENDS).perSecond();
            double sequenceRate = rate(() -> Future.fromCompletionStage(fixture.session.executeAsync(
                    sequenceOnly.bind(UUID.randomUUID()))), APPENDS).perSecond();

            AggregateRepository<OrderState, OrderCommand, OrderEvent> orders = fixture.repository(new OrderDecider());
            UUID big = orderWithEvents(store, orders, 10_000);
            UUID small = orderWithEvents(store, orders, 10);
            await(orders.load(big)); // warm
            double[] bigMs = loadLatencies(orders, big);
            double[] smallMs = loadLatencies(orders, small);

            System.out.println();
            System.out.println("== Ordo store benchmark (embedded Cassandra, same run) ==");
            System.out.printf("raw conditional batch (commit only)  %8.0f appends/s%n", raw.perSecond());
            System.out.printf("EventStore.append (full protocol)    %8.0f appends/s   = %.2fx raw (target >= 0.7)%n",
                    full.perSecond(), full.perSecond() / raw.perSecond());
            System.out.printf("  raw:  %s%n  full: %s%n", raw.cpu().perOperation(raw.count()),
                    full.cpu().perOperation(full.count()));
            System.out.printf("  its parts alone: outbox row %.0f/s, index row %.0f/s, aggregate_sequence %.0f/s%n",
                    outboxRate, indexRate, sequenceRate);
            System.out.printf("load 10-event order                  p50 %6.2f ms  mean %6.2f ms%n", smallMs[0], smallMs[1]);
            System.out.printf("load 10,000-event order (snapshots)  p50 %6.2f ms  mean %6.2f ms   = %.2fx (target <= 2x)%n",
                    bigMs[0], bigMs[1], bigMs[1] / smallMs[1]);
        }
        System.exit(0);
    }

    private static OrderEvent.OrderCreated created() {
        return new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)));
    }

    /** Operations done, in how long, and the CPU they cost. */
    private record Run(int count, double seconds, Cpu cpu) {

        static final Run NONE = new Run(0, 0, Cpu.NONE);

        Run plus(Run other) {
            return new Run(count + other.count, seconds + other.seconds, cpu.plus(other.cpu));
        }

        double perSecond() {
            return count / seconds;
        }
    }

    /** {@code count} operations with {@link #IN_FLIGHT} outstanding at all times. */
    private static Run rate(Supplier<Future<?>> operation, int count) {
        Cpu cpuAtStart = Cpu.now();
        AtomicInteger remaining = new AtomicInteger(count);
        List<Future<Void>> lanes = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < IN_FLIGHT; i++) {
            Promise<Void> lane = Promise.promise();
            next(operation, remaining, lane);
            lanes.add(lane.future());
        }
        await(Future.all(lanes));
        return new Run(count, (System.nanoTime() - start) / 1e9, Cpu.now().since(cpuAtStart));
    }

    private static void next(Supplier<Future<?>> operation, AtomicInteger remaining, Promise<Void> lane) {
        if (remaining.getAndDecrement() <= 0) {
            lane.complete();
            return;
        }
        operation.get().onComplete(result -> {
            if (result.failed()) {
                lane.fail(result.cause());
            } else {
                next(operation, remaining, lane);
            }
        });
    }

    /** An order with {@code events} events, written 100 to a batch, snapshotted at its last version. */
    private static UUID orderWithEvents(EventStore store, AggregateRepository<OrderState, OrderCommand, OrderEvent> orders,
                                        int events) {
        UUID id = UUID.randomUUID();
        long version = 0;
        while (version < events) {
            List<DomainEvent> batch = new ArrayList<>();
            if (version == 0) {
                batch.add(created());
            }
            while (batch.size() < Math.min(100, events - version)) {
                batch.add(new OrderEvent.OrderItemsUpdated(
                        List.of(OrderItem.of(UUID.randomUUID(), batch.size() + 1)), "bench"));
            }
            if (!(await(store.append("Order", id, version, batch, CommandMetadata.system())) instanceof AppendResult.Appended)) {
                throw new IllegalStateException("unexpected conflict while seeding");
            }
            version += batch.size();
        }
        Aggregate<OrderState> full = Aggregate.rebuild(orders.decider(), id, await(store.load(id)));
        await(orders.snapshot(full));
        return id;
    }

    /** p50 and mean of sequential loads, in milliseconds. */
    private static double[] loadLatencies(AggregateRepository<OrderState, OrderCommand, OrderEvent> orders, UUID id) {
        double[] ms = new double[LOADS];
        for (int i = 0; i < LOADS; i++) {
            long start = System.nanoTime();
            await(orders.load(id));
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        double mean = Arrays.stream(ms).average().orElse(0);
        Arrays.sort(ms);
        return new double[]{ms[LOADS / 2], mean};
    }
}
