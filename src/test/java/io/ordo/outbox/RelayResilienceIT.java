package io.ordo.outbox;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.ordo.cluster.Shards;
import io.ordo.config.OrdoConfig;
import io.ordo.testing.StoreFixture;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.es.CommandMetadata;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventSerializer;
import io.ordo.ops.OrdoMetrics;
import io.ordo.store.AppendResult;
import io.ordo.store.FaultInjector;
import io.ordo.store.Store;
import io.ordo.store.StoreConfig;
import io.ordo.testing.Eventually;
import io.ordo.testing.Http;
import io.ordo.testing.OrdoFixture;
import io.ordo.testing.Processes;
import io.ordo.testing.StoreFixture;
import io.ordo.testing.TestKafka;
import io.ordo.testing.TopicReader;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.concurrent.Callable;
import java.util.function.Function;

import static io.ordo.testing.StoreFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's invariants (DESIGN.md §4) where the first wave broke them: a hot aggregate's backlog
 * after a Kafka outage, thousands of hints behind one slow publication, a read that comes back short,
 * an intent written as a minute turns, events that cannot be read or routed, and an open breaker.
 * Judged by what a plain Kafka consumer reads.
 */
class RelayResilienceIT {

    private static final String TOKEN = "relay-resilience-token";
    private static final String ORDER_TOPIC = "order-events";
    private static OrdoFixture ordo;
    private static Http http;
    private static StoreFixture beside;
    private static String customer;

    @BeforeAll
    static void start() {
        ordo = OrdoFixture.start(RelayResilienceIT.class, new JsonObject()
                .put("store", new JsonObject().put("requestTimeoutMs", 4_000)
                        // no topic for customers: their events cannot be routed
                        .put("topics", new JsonObject().put("Customer", (String) null)))
                .put("relay", new JsonObject().put("enabled", true).put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollIntervalMs", 200).put("pollDelayMs", 5_000).put("verificationWindowMs", 2_000)
                        .put("breakerResetTimeoutMs", 2_000))
                .put("projections", new JsonObject().put("enabled", false))
                .put("ops", new JsonObject().put("token", TOKEN)));
        http = new Http(ordo.client);
        beside = StoreFixture.attach("it_relayresilienceit");
        customer = http.customer("resilience-" + UUID.randomUUID() + "@example.com");
    }

    @AfterAll
    static void stop() {
        beside.close();
        ordo.close();
    }

    private static String createOrder() {
        HttpResponse<Buffer> created = http.post("/orders", new JsonObject().put("customerId", customer)
                .put("items", new JsonArray().add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 1))));
        assertEquals(201, created.statusCode(), created.bodyAsString());
        return created.bodyAsJsonObject().getString("orderId");
    }

    private static List<OrderEvent> itemUpdates(int count, int from) {
        List<OrderEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(new OrderEvent.OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), 1 + (from + i) % 50)), null));
        }
        return events;
    }

    /** Appends {@code total} item updates to the order, {@code perAppend} at a time, as another writer would. */
    private static long appendBehindTheServer(io.ordo.store.EventStore store, UUID id, long version, int total, int perAppend) {
        for (int done = 0; done < total; done += perAppend) {
            AppendResult result = await(store.append("Order", id, version, itemUpdates(perAppend, done), CommandMetadata.system()));
            assertTrue(result instanceof AppendResult.Appended, String.valueOf(result));
            version = ((AppendResult.Appended) result).version();
        }
        return version;
    }

    private static long usedHeapMb() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime runtime = Runtime.getRuntime();
        return (runtime.totalMemory() - runtime.freeMemory()) >> 20;
    }

    private static double metric(String line) {
        for (String row : http.get("/metrics").bodyAsString().split("\n")) {
            if (row.startsWith(line)) {
                return Double.parseDouble(row.substring(row.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    @Test
    void aHotAggregateCommittedWhileKafkaWasAwayReachesKafkaWholeAndInOrder() {
        String order = createOrder();
        UUID id = UUID.fromString(order);
        long heapBefore = usedHeapMb();
        long version;
        long kafka = TestKafka.broker().pid();
        Processes.pause(kafka);
        try {
            // Commands keep being answered while Kafka is away: that is what the outbox is for.
            List<Future<HttpResponse<Buffer>>> updates = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                updates.add(ordo.client.put("/orders/" + order + "/items").putHeader("Content-Type", "application/json")
                        .sendBuffer(Buffer.buffer(new JsonObject().put("items", new JsonArray().add(new JsonObject()
                                .put("productId", UUID.randomUUID().toString()).put("quantity", 1 + i % 9))).encode())));
            }
            for (Future<HttpResponse<Buffer>> update : updates) {
                assertEquals(200, await(update, Duration.ofSeconds(120)).statusCode());
            }
            assertEquals(200, http.get("/health/ready").statusCode(), "ready for commands without Kafka");
            // ... and what another writer (another instance) committed waits in the store too.
            long head = await(beside.eventStore().currentVersion(id));
            version = appendBehindTheServer(beside.eventStore(), id, head, 19_500, 100);
            long heapWaiting = usedHeapMb();
            System.out.printf("relay heap: %d MB before, %d MB with %d events waiting for Kafka%n", heapBefore, heapWaiting,
                    version);
            assertTrue(heapWaiting - heapBefore < 256, "memory bounded by what waits: " + heapBefore + " -> " + heapWaiting);
        } finally {
            Processes.resume(kafka);
        }
        long resumed = System.nanoTime();
        long expected = version;
        Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC, Set.of(order),
                TopicReader.allUpTo(Set.of(order), expected), Duration.ofSeconds(240));
        System.out.printf("relay drained %d events of one aggregate %.1f s after Kafka came back%n", expected,
                (System.nanoTime() - resumed) / 1e9);
        int duplicates = TopicReader.assertFirstOccurrencesInOrder(read.get(order), expected);
        System.out.printf("relay heap after the drain: %d MB; %d duplicates%n", usedHeapMb(), duplicates);
        assertEquals(0, metric("ordo_verticle_restarts_total{verticle=\"relay\""), "the relay never failed");
    }

    @Test
    void eventsThatCannotBeReadOrRoutedAreDeadLettersWhileOtherAggregatesFlow() {
        // No topic: this server routes no Customer events. The customer is committed all the same.
        String stranded = http.customer("stranded-" + UUID.randomUUID() + "@example.com");
        // An event type this build does not know, committed by a newer one, then noticed by the polling source.
        String teleported = createOrder();
        UUID id = UUID.fromString(teleported);
        long unknownAt = await(beside.eventStore().currentVersion(id)) + 1;
        beside.session.execute("UPDATE it_relayresilienceit.event_store SET version = " + unknownAt
                + " WHERE aggregate_id = " + id + " IF version = " + (unknownAt - 1));
        beside.session.execute("INSERT INTO it_relayresilienceit.event_store (aggregate_id, sequence_number, event_id,"
                + " event_type, event_version, event_data, correlation_id, timestamp, metadata) VALUES (" + id + ", "
                + unknownAt + ", " + UUID.randomUUID() + ", 'OrderTeleported', 1, '{\"to\":\"Mars\"}', " + UUID.randomUUID()
                + ", toTimestamp(now()), {})");
        UUID writtenAt = Uuids.timeBased();
        beside.session.execute("INSERT INTO it_relayresilienceit.outbox_by_shard (shard, minute, written_at, aggregate_id,"
                + " sequence_number, event_id) VALUES (" + Shards.of(id, StoreConfig.DEFAULT_SHARDS) + ", "
                + Uuids.unixTimestamp(writtenAt) / 60_000 + ", " + writtenAt + ", "
                + id + ", " + unknownAt + ", " + UUID.randomUUID() + ")");
        String flowing = createOrder();
        assertEquals(200, http.post("/orders/" + flowing + "/confirm", null).statusCode());

        JsonArray letters = Eventually.value(Duration.ofSeconds(30), "two dead letters",
                () -> http.send(HttpMethod.GET, "/ops/dead-letters", null, Map.of("Authorization", "Bearer " + TOKEN))
                        .bodyAsJsonObject().getJsonArray("deadLetters"),
                list -> list.stream().filter(l -> Set.of(stranded, teleported)
                        .contains(((JsonObject) l).getString("aggregateId"))).count() == 2);
        for (Object entry : letters) {
            JsonObject letter = (JsonObject) entry;
            if (letter.getString("aggregateId").equals(stranded)) {
                assertEquals(1, letter.getLong("sequenceNumber"));
                assertTrue(letter.getString("error").contains("no topic"), letter.encode());
            } else if (letter.getString("aggregateId").equals(teleported)) {
                assertEquals(unknownAt, letter.getLong("sequenceNumber"));
                assertEquals("OrderTeleported", letter.getString("eventType"));
                assertTrue(letter.getString("error").contains("OrderTeleported"), letter.encode());
            }
        }
        Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC,
                Set.of(flowing, teleported), TopicReader.allUpTo(Set.of(flowing), 2), Duration.ofSeconds(30));
        TopicReader.assertFirstOccurrencesInOrder(read.get(flowing), 2);
        TopicReader.assertFirstOccurrencesInOrder(read.get(teleported), unknownAt - 1);

        // Discarded: the unknown event is skipped for good, and the order's later events go on.
        AppendResult next = await(beside.eventStore().append("Order", id, unknownAt, itemUpdates(1, 0), CommandMetadata.system()));
        assertTrue(next instanceof AppendResult.Appended, String.valueOf(next));
        assertEquals(200, http.send(HttpMethod.POST, "/ops/dead-letters/" + teleported + "/discard", null,
                Map.of("Authorization", "Bearer " + TOKEN)).statusCode());
        List<Long> sequences = Eventually.value(Duration.ofSeconds(30), "the event after the discarded one on Kafka",
                () -> TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC, Set.of(teleported),
                                r -> r.getOrDefault(teleported, List.of()).size() >= unknownAt, Duration.ofSeconds(5))
                        .getOrDefault(teleported, List.of()).stream().map(e -> e.getLong("sequenceNumber")).distinct().toList(),
                seen -> seen.contains(unknownAt + 1));
        List<Long> expected = new ArrayList<>();
        for (long sequence = 1; sequence < unknownAt; sequence++) {
            expected.add(sequence);
        }
        expected.add(unknownAt + 1);
        assertEquals(expected, sequences, "everything but the discarded event, in order");
    }

    /** An outbox relay of its own on a store of its own: on one context, as in its verticle. */
    private static final class DirectRelay implements AutoCloseable {
        final StoreFixture fixture;
        final Store store;
        final Context context;
        final OutboxRelay relay;
        final KafkaPublisher publisher;
        final OrdoConfig.Relay config;

        DirectRelay(FaultInjector faults, Clock clock) {
            fixture = StoreFixture.create(DirectRelay.class, 100);
            store = await(Store.open(fixture.vertx, fixture.config, StoreFixture.BUILT_IN, faults, clock));
            config = OrdoConfig.fromJson(new JsonObject().put("mode", "external")
                    .put("store", new JsonObject().put("requestTimeoutMs", 2_000))
                    .put("relay", new JsonObject().put("bootstrapServers", TestKafka.bootstrapServers())
                            .put("pollIntervalMs", 200).put("verificationWindowMs", 2_000)
                            .put("breakerResetTimeoutMs", 1_000))).relay();
            context = fixture.vertx.getOrCreateContext();
            publisher = on(() -> new KafkaPublisher(fixture.vertx, config,
                    StoreFixture.BUILT_IN.codec()));
            relay = on(() -> new OutboxRelay(fixture.vertx, store.events(), store.outbox(), StoreFixture.BUILT_IN::topicOf, config,
                    publisher, faults, new OrdoMetrics()));
            await(onContext(OutboxRelay::start));
        }

        <T> T on(Callable<T> work) {
            Promise<T> done = Promise.promise();
            context.runOnContext(v -> {
                try {
                    done.complete(work.call());
                } catch (Exception e) {
                    done.fail(e);
                }
            });
            return await(done.future());
        }

        <T> Future<T> onContext(Function<OutboxRelay, Future<T>> work) {
            Promise<T> done = Promise.promise();
            context.runOnContext(v -> work.apply(relay).onComplete(done));
            return done.future();
        }

        @Override
        public void close() {
            await(onContext(r -> publisher.close(2_000)));
            await(store.close());
            fixture.close();
        }
    }

    @Test
    void fiveThousandHintsBehindOneSlowPublicationAllSettle() {
        try (DirectRelay direct = new DirectRelay(FaultInjector.NONE, Clock.systemUTC())) {
            UUID id = UUID.randomUUID();
            await(direct.store.events().append("Order", id, 0,
                    List.of(new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)))),
                    CommandMetadata.system()));
            long last = appendBehindTheServer(direct.store.events(), id, 1, 4_999, 100);
            long kafka = TestKafka.broker().pid();
            Future<Void> settled;
            Processes.pause(kafka); // the first publication hangs: every later hint queues behind it
            try {
                settled = direct.onContext(relay -> {
                    List<Future<Void>> all = new ArrayList<>();
                    for (long sequence = 1; sequence <= last; sequence++) {
                        all.add(relay.settle(OutboxHint.of(id, sequence, System.currentTimeMillis())));
                    }
                    return Future.all(all).mapEmpty();
                });
                assertEquals(1, (int) await(direct.onContext(relay -> Future.succeededFuture(relay.lanes()))),
                        "5,000 hints for one aggregate are one lane");
            } finally {
                Processes.resume(kafka);
            }
            await(settled, Duration.ofSeconds(120));
            assertEquals(last, (long) await(direct.store.outbox().publishedSequence(id)));
            Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC,
                    Set.of(id.toString()), TopicReader.allUpTo(Set.of(id.toString()), last), Duration.ofSeconds(60));
            TopicReader.assertFirstOccurrencesInOrder(read.get(id.toString()), last);
        }
    }

    @Test
    void aReadThatComesBackShortNeverMovesTheWatermarkPastWhatWasSent() {
        // Two reads of the relay answer three rows of the ten asked for, as a replica behind the head's would.
        try (DirectRelay direct = new DirectRelay(FaultInjector.shortReadAt(FaultInjector.Point.RELAY_READ, 3, 2),
                Clock.systemUTC())) {
            UUID id = UUID.randomUUID();
            List<OrderEvent> events = new ArrayList<>();
            events.add(new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1))));
            events.addAll(itemUpdates(9, 0));
            await(direct.store.events().append("Order", id, 0, events, CommandMetadata.system()));
            await(direct.onContext(relay -> relay.settle(OutboxHint.of(id, 10, System.currentTimeMillis()))),
                    Duration.ofSeconds(60));
            assertEquals(10L, (long) await(direct.store.outbox().publishedSequence(id)));
            Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC,
                    Set.of(id.toString()), TopicReader.allUpTo(Set.of(id.toString()), 10), Duration.ofSeconds(30));
            TopicReader.assertFirstOccurrencesInOrder(read.get(id.toString()), 10);
        }
    }

    @Test
    void anIntentWrittenAsAMinuteTurnsIsFoundByThePoller() {
        // The store's clock stands just before a minute's end (and five minutes behind the wall clock, so that
        // a time stamp taken from any other clock would land outside the bucket the poller reads).
        Instant wall = Instant.now();
        long nextMinute = (wall.toEpochMilli() / 60_000 + 1) * 60_000;
        Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofMillis(nextMinute - 300 - wall.toEpochMilli())
                .minusMinutes(5));
        // Each append dies right after its commit: no fast path, only the polling index knows of it.
        FaultInjector crashAfterCommit = FaultInjector.failAt(FaultInjector.Point.AFTER_COMMIT);
        try (DirectRelay direct = new DirectRelay(crashAfterCommit, clock)) {
            List<String> ids = new ArrayList<>();
            long until = System.nanoTime() + Duration.ofMillis(700).toNanos();
            while (System.nanoTime() < until) {
                UUID id = UUID.randomUUID();
                Future<AppendResult> appended = direct.store.events().append("Order", id, 0,
                        List.of(new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)))),
                        CommandMetadata.system());
                assertTrue(await(appended.map(r -> false).otherwise(e -> e instanceof FaultInjector.InjectedFault)),
                        "the append died after its commit");
                ids.add(id.toString());
            }
            // One source per shard, as the relay of an instance that owns them all runs them.
            List<PollingOutboxSource> sources = direct.on(() -> IntStream.range(0, StoreConfig.DEFAULT_SHARDS)
                    .mapToObj(shard -> PollingOutboxSource.ofShard(direct.fixture.vertx, direct.store.outbox(),
                            direct.config, direct.relay::settle, clock, shard)).toList());
            await(direct.onContext(relay -> Future.all(sources.stream().map(PollingOutboxSource::start).toList())));
            try {
                Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC,
                        Set.copyOf(ids), TopicReader.allUpTo(Set.copyOf(ids), 1), Duration.ofSeconds(60));
                for (String id : ids) {
                    assertEquals(1, TopicReader.highestFirstOccurrence(read.getOrDefault(id, List.of())),
                            "order " + id + " of " + ids.size() + ", committed around " + Instant.ofEpochMilli(nextMinute)
                                    + " by the store's clock, is on Kafka");
                }
            } finally {
                direct.on(() -> {
                    sources.forEach(PollingOutboxSource::stop);
                    return null;
                });
            }
        }
    }

    @Test
    void withTheBreakerOpenCommandsAreAcceptedAndTheInstanceStaysReady() {
        long kafka = TestKafka.broker().pid();
        String order = createOrder();
        Processes.pause(kafka);
        try {
            for (int i = 0; i < 5; i++) {
                assertEquals(200, http.put("/orders/" + order + "/items", new JsonObject().put("items", new JsonArray()
                        .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", i + 1))))
                        .statusCode());
            }
            Eventually.until(Duration.ofSeconds(30), "the breaker opens",
                    () -> metric("ordo_relay_breaker_state") == 2);
            assertEquals(200, http.put("/orders/" + order + "/items", new JsonObject().put("items", new JsonArray()
                    .add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", 7)))).statusCode(),
                    "a command with the breaker open");
            HttpResponse<Buffer> ready = http.get("/health/ready");
            assertEquals(200, ready.statusCode(), ready.bodyAsString());
            HttpResponse<Buffer> relay = http.get("/health/relay");
            assertEquals(503, relay.statusCode(), relay.bodyAsString());
        } finally {
            Processes.resume(kafka);
        }
        Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC, Set.of(order),
                TopicReader.allUpTo(Set.of(order), 7), Duration.ofSeconds(60));
        TopicReader.assertFirstOccurrencesInOrder(read.get(order), 7);
        Eventually.until(Duration.ofSeconds(30), "the relay is healthy again", () -> http.get("/health/relay").statusCode() == 200);
    }
}
