package io.ordo.cluster;

import io.ordo.testing.Eventually;
import io.ordo.testing.Fleet;
import io.ordo.testing.TestKafka;
import io.ordo.testing.TopicReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster mode with real members: three server JVMs (the fat jar) in one Hazelcast cluster over one
 * Cassandra and one Kafka, each owning about a third of the shards. Commands for the same orders sent
 * through every member stay exact and reach Kafka once per event; a member killed with -9 has its shards
 * served again by the others, and one that joins takes its shards, without a lost or doubled command;
 * an instance that believes it owns every shard beside the fleet (a split brain) changes nothing that
 * matters: commands stay exact and every event reaches Kafka in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    private static final String ORDER_TOPIC = "order-events";
    /** Slots 0 to 2 are the cluster's members; slot 3 runs with cluster mode off. */
    private static final int SINGLE = 3;

    private static Fleet fleet;
    private static String customer;

    @BeforeAll
    static void startThreeMembers() throws Exception {
        fleet = new Fleet(Path.of("target", "it-cluster-" + ProcessHandle.current().pid()), "it_cluster", 4, 3);
        fleet.start(0, 1, 2);
        fleet.awaitMembers(Set.of(0, 1, 2));
        customer = fleet.registerCustomer(0);
    }

    @AfterAll
    static void stopMembers() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void commandsSentRoundRobinThroughEveryMemberAreExactAndReachKafkaOncePerEvent() {
        List<String> orders = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            orders.add(fleet.createOrder(k % 3, customer, UUID.randomUUID()));
        }
        Map<String, Double> before = fleet.counters(Set.of(0, 1, 2));
        int rounds = 15;
        for (int round = 1; round <= rounds; round++) {
            for (int k = 0; k < orders.size(); k++) {
                HttpResponse<String> updated = fleet.updateItems((round + k) % 3, orders.get(k), "rr-" + round,
                        Duration.ofSeconds(30));
                assertEquals(200, updated.statusCode(), updated.body());
            }
        }
        for (String order : orders) {
            assertEquals(rounds + 1, Fleet.contiguousVersions(fleet.events(0, order)), "order " + order + "'s stream");
        }
        Map<String, Double> after = fleet.counters(Set.of(0, 1, 2));
        double conflicts = Fleet.delta(before, after, "ordo_concurrency_conflicts_total");
        double forwarded = Fleet.delta(before, after, "ordo_cluster_commands_forwarded_total");
        System.out.printf("round robin over 3 members: %d commands, %.0f forwarded to their shard's owner, %.0f conflicts%n",
                rounds * orders.size(), forwarded, conflicts);
        assertEquals(0, conflicts, "no conflict retries in steady state: each aggregate is decided on its shard's owner");
        assertTrue(forwarded > 0, "commands reached owners on other members");

        Set<String> ids = Set.copyOf(orders);
        Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC, ids,
                TopicReader.allUpTo(ids, rounds + 1), Duration.ofSeconds(60));
        for (String order : orders) {
            List<JsonObject> records = read.get(order);
            TopicReader.assertFirstOccurrencesInOrder(records, rounds + 1);
            assertEquals(rounds + 1, records.size(), "order " + order + ": one record per event, no duplicate in steady state");
        }
    }

    @Test
    @Order(2)
    void aKilledMembersShardsAreServedAgainAndNoAcknowledgedCommandIsLost() throws Exception {
        String victim = fleet.ops(2).getString("self");
        List<String> orders = ordersOwnedBy(victim, 3, 9);
        try (Load load = new Load(orders, Set.of(0, 1))) {
            Thread.sleep(2_000);
            long killedAt = System.nanoTime();
            fleet.kill(2);
            // The orders of the dead member's shards are decided again, by the members that took them.
            for (String order : orders.subList(0, 3)) {
                Eventually.until(Duration.ofSeconds(60), "order " + order + " of the killed member's shards is served again",
                        () -> fleet.updateItems(0, order, "probe-" + UUID.randomUUID(), Duration.ofSeconds(3)).statusCode() == 200);
            }
            System.out.printf("kill -9 of one of 3 members: its shards served again after %d ms%n",
                    (System.nanoTime() - killedAt) / 1_000_000);
            fleet.awaitMembers(Set.of(0, 1));
            Thread.sleep(2_000);
            load.stop();
            assertExact(load, orders);
        }
    }

    @Test
    @Order(3)
    void aMemberThatJoinsUnderLoadTakesItsShardsWithoutALostOrDoubledCommand() throws Exception {
        List<String> orders = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            orders.add(fleet.createOrder(k % 2, customer, UUID.randomUUID()));
        }
        try (Load load = new Load(orders, Set.of(0, 1))) {
            Thread.sleep(1_000);
            fleet.start(2);
            fleet.awaitMembers(Set.of(0, 1, 2));
            JsonObject joined = fleet.ops(2);
            assertFalse(joined.getJsonArray("ownedShards").isEmpty(), "the member that joined owns shards: " + joined);
            Thread.sleep(2_000);
            load.stop();
            assertExact(load, orders);
        }
        // And it serves: a command through the member that joined.
        assertEquals(200, fleet.updateItems(2, orders.get(0), "after-join", Duration.ofSeconds(30)).statusCode());
    }

    @Test
    @Order(4)
    void anInstanceThatOwnsEveryShardBesideTheFleetCostsConflictsAndDuplicatesOnly() throws Exception {
        // A split brain: a single instance on the same keyspace believes it owns every shard, while the
        // fleet's members own them too. Both take commands for the same orders.
        fleet.start(SINGLE);
        List<String> orders = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            orders.add(fleet.createOrder(k % 3, customer, UUID.randomUUID()));
        }
        try (Load load = new Load(orders, Set.of(0, 1, 2, SINGLE))) {
            Thread.sleep(6_000);
            load.stop();
            assertExact(load, orders);
        } finally {
            fleet.kill(SINGLE);
        }
    }

    // ---- what every test checks -------------------------------------------------------------------

    /**
     * Every acknowledged command is in its order's stream exactly once, no command is there twice, the
     * streams are contiguous, and every event is on Kafka with its first occurrences in order.
     */
    private static void assertExact(Load load, List<String> orders) {
        assertTrue(load.acknowledged.size() > 20, "the load got commands through: " + load.acknowledged.size());
        Map<String, Long> versions = new HashMap<>();
        Map<String, Map<String, Integer>> reasons = new HashMap<>();
        for (String order : orders) {
            JsonArray events = fleet.events(0, order);
            versions.put(order, (long) Fleet.contiguousVersions(events));
            Map<String, Integer> counted = new HashMap<>();
            for (Object event : events) {
                String reason = ((JsonObject) event).getJsonObject("data").getString("reason");
                if (reason != null) {
                    counted.merge(reason, 1, Integer::sum);
                }
            }
            counted.forEach((reason, times) -> assertEquals(1, times, "command " + reason + " of " + order + " applied once"));
            reasons.put(order, counted);
        }
        for (String[] acknowledged : load.acknowledged) {
            assertEquals(1, reasons.get(acknowledged[0]).getOrDefault(acknowledged[1], 0),
                    "acknowledged command " + acknowledged[1] + " of " + acknowledged[0] + " is in the store");
        }
        Set<String> ids = Set.copyOf(orders);
        Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), ORDER_TOPIC, ids,
                found -> ids.stream().allMatch(id -> TopicReader.highestFirstOccurrence(found.getOrDefault(id, List.of()))
                        >= versions.get(id)), Duration.ofSeconds(90));
        int records = 0;
        for (String order : orders) {
            records += read.get(order).size();
            TopicReader.assertFirstOccurrencesInOrder(read.get(order), versions.get(order));
        }
        long events = versions.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("%d orders, %d acknowledged commands, %d events, %d records on Kafka (%.3f per event), "
                        + "%d answered 503 or timed out%n", orders.size(), load.acknowledged.size(), events, records,
                records / (double) events, load.refused.get());
    }

    /** {@code count} orders of the shards {@code owner} owns, then orders of other shards, up to {@code total}. */
    private static List<String> ordersOwnedBy(String owner, int count, int total) {
        JsonObject cluster = fleet.ops(0);
        Set<Integer> shards = new HashSet<>();
        for (Object entry : cluster.getJsonArray("owners")) {
            if (owner.equals(((JsonObject) entry).getString("owner"))) {
                shards.add(((JsonObject) entry).getInteger("shard"));
            }
        }
        assertFalse(shards.isEmpty(), "member " + owner + " owns shards: " + cluster);
        List<String> owned = new ArrayList<>();
        List<String> others = new ArrayList<>();
        while (owned.size() < count || others.size() < total - count) {
            UUID id = UUID.randomUUID();
            boolean ofOwner = shards.contains(Shards.of(id, Fleet.SHARDS));
            if (ofOwner && owned.size() < count) {
                owned.add(fleet.createOrder(0, customer, id));
            } else if (!ofOwner && others.size() < total - count) {
                others.add(fleet.createOrder(1, customer, id));
            }
        }
        owned.addAll(others);
        return owned;
    }

    /** Commands sent without pause through some servers, each with a reason of its own, until stopped. */
    private static final class Load implements AutoCloseable {
        final ConcurrentLinkedQueue<String[]> acknowledged = new ConcurrentLinkedQueue<>();
        final AtomicInteger refused = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService threads = Executors.newFixedThreadPool(4);
        private final List<Future<?>> loops = new ArrayList<>();

        Load(List<String> orders, Set<Integer> through) {
            List<Integer> servers = List.copyOf(new java.util.TreeSet<>(through));
            AtomicInteger sequence = new AtomicInteger();
            for (int t = 0; t < 4; t++) {
                loops.add(threads.submit(() -> {
                    while (running.get()) {
                        int n = sequence.incrementAndGet();
                        String order = orders.get(n % orders.size());
                        String reason = "load-" + n;
                        try {
                            HttpResponse<String> updated = fleet.updateItems(servers.get(n % servers.size()), order, reason,
                                    Duration.ofSeconds(40));
                            if (updated.statusCode() == 200) {
                                acknowledged.add(new String[] {order, reason});
                            } else if (updated.statusCode() == 503 || updated.statusCode() == 409) {
                                refused.incrementAndGet();
                            } else {
                                throw new AssertionError("command " + reason + ": " + updated.statusCode() + " " + updated.body());
                            }
                        } catch (Fleet.NoAnswer e) {
                            refused.incrementAndGet(); // a server that is gone, or no answer in time: not acknowledged
                        }
                    }
                    return null;
                }));
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            threads.shutdown();
            assertTrue(threads.awaitTermination(60, TimeUnit.SECONDS), "the load stopped");
            for (Future<?> loop : loops) {
                try {
                    loop.get();
                } catch (ExecutionException e) {
                    throw new AssertionError("a command got an answer it should never get", e.getCause());
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (running.get()) {
                stop();
            }
        }
    }
}
