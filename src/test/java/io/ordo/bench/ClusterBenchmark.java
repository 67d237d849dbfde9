package io.ordo.bench;

import io.ordo.cluster.Shards;
import io.ordo.testing.Fleet;
import io.ordo.testing.TestKafka;
import io.ordo.testing.TopicReader;
import io.vertx.core.json.JsonObject;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Three instances on this machine, side by side in one run: a cluster (three members, one owner per
 * shard) against three instances with cluster mode off on one keyspace (each a silo over the shared
 * store, as before cluster mode). The same round robin of commands on the same number of orders goes
 * through each: Kafka records per committed event, conflicts per 1,000 commands, and the latency of a
 * command answered by its owner against one forwarded to another member; then, for the cluster, the
 * time from a member's kill -9 to its shards being served again, over several kills.
 * {@code mvn -B -Pbench package -DskipTests exec:exec -Dbench.main=io.ordo.bench.ClusterBenchmark}
 */
public final class ClusterBenchmark {

    private static final int ORDERS = 30;
    private static final int ROUNDS = 20;
    private static final int KILLS = 3;
    private static final String TOPIC = "order-events";

    /** What one fleet did with the round robin. */
    private record Run(int commands, double recordsPerEvent, double conflictsPer1000, Lanes.Result local,
                       Lanes.Result forwarded) {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("target", "bench-cluster-" + ProcessHandle.current().pid());
        Run silos;
        try (Fleet three = new Fleet(dir.resolve("silos"), "bench_silos", 3, 0)) {
            three.start(0, 1, 2);
            silos = roundRobin(three, false);
        }
        Run cluster;
        List<Long> recoveries = new ArrayList<>();
        try (Fleet members = new Fleet(dir.resolve("cluster"), "bench_cluster", 3, 3)) {
            members.start(0, 1, 2);
            members.awaitMembers(Set.of(0, 1, 2));
            cluster = roundRobin(members, true);
            String customer = members.registerCustomer(0);
            for (int kill = 0; kill < KILLS; kill++) {
                recoveries.add(killAndRecover(members, customer));
            }
        }
        System.out.println();
        System.out.println("Three instances on 2 cores, " + silos.commands() + " commands on " + ORDERS
                + " orders sent round robin through all three:");
        System.out.printf("  %-28s %14s %14s %24s %24s%n", "", "records/event", "conflicts/1000",
                "answered by the owner", "forwarded to the owner");
        print("cluster mode off (silos)", silos);
        print("cluster mode (3 members)", cluster);
        recoveries.sort(Long::compare);
        System.out.printf("kill -9 of a member to its shards served again, %d kills: %s ms (max %d ms)%n", KILLS, recoveries,
                recoveries.get(recoveries.size() - 1));
    }

    private static void print(String name, Run run) {
        System.out.printf("  %-28s %14.3f %14.1f %24s %24s%n", name, run.recordsPerEvent(), run.conflictsPer1000(),
                latency(run.local()), latency(run.forwarded()));
    }

    private static String latency(Lanes.Result result) {
        return result.count() == 0 ? "-" : String.format("p50 %.1f p99 %.1f ms", result.percentile(0.5), result.percentile(0.99));
    }

    private static Run roundRobin(Fleet fleet, boolean clustered) {
        String customer = fleet.registerCustomer(0);
        List<String> orders = new ArrayList<>();
        for (int k = 0; k < ORDERS; k++) {
            orders.add(fleet.createOrder(k % 3, customer, UUID.randomUUID()));
        }
        Map<Integer, String> selves = new HashMap<>();
        Map<Integer, String> owners = new HashMap<>();
        if (clustered) {
            for (int member = 0; member < 3; member++) {
                selves.put(member, fleet.ops(member).getString("self"));
            }
            for (Object entry : fleet.ops(0).getJsonArray("owners")) {
                owners.put(((JsonObject) entry).getInteger("shard"), ((JsonObject) entry).getString("owner"));
            }
        }
        Map<String, Double> before = fleet.counters(Set.of(0, 1, 2));
        List<Double> local = new ArrayList<>();
        List<Double> forwarded = new ArrayList<>();
        int commands = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            for (int k = 0; k < orders.size(); k++) {
                int member = (round + k) % 3;
                String order = orders.get(k);
                long started = System.nanoTime();
                HttpResponse<String> updated = fleet.updateItems(member, order, "bench-" + round, Duration.ofSeconds(30));
                double ms = (System.nanoTime() - started) / 1e6;
                if (updated.statusCode() != 200) {
                    throw new AssertionError("command " + round + " of " + order + ": " + updated.statusCode() + " " + updated.body());
                }
                commands++;
                boolean owned = !clustered
                        || selves.get(member).equals(owners.get(Shards.of(UUID.fromString(order), Fleet.SHARDS)));
                (owned ? local : forwarded).add(ms);
            }
        }
        Map<String, Double> after = fleet.counters(Set.of(0, 1, 2));
        double conflicts = Fleet.delta(before, after, "ordo_concurrency_conflicts_total");

        Set<String> ids = Set.copyOf(orders);
        long events = (long) ORDERS * (ROUNDS + 1);
        TopicReader.read(TestKafka.bootstrapServers(), TOPIC, ids, TopicReader.allUpTo(ids, ROUNDS + 1), Duration.ofSeconds(120));
        // The sources' duplicates come after the fast path's records: the polling delay, and a few polls more.
        sleep(Duration.ofSeconds(8));
        Map<String, List<JsonObject>> read = TopicReader.read(TestKafka.bootstrapServers(), TOPIC, ids,
                TopicReader.allUpTo(ids, ROUNDS + 1), Duration.ofSeconds(120));
        long records = read.values().stream().mapToLong(List::size).sum();
        return new Run(commands, records / (double) events, conflicts * 1000 / commands,
                new Lanes.Result(local.size(), 0, local, Cpu.NONE), new Lanes.Result(forwarded.size(), 0, forwarded, Cpu.NONE));
    }

    /** Kills member 2, times how long until an order of one of its shards is served through member 0, restarts it. */
    private static long killAndRecover(Fleet fleet, String customer) {
        String victim = fleet.ops(2).getString("self");
        String order = null;
        while (order == null) {
            UUID id = UUID.randomUUID();
            String owner = fleet.ops(0).getJsonArray("owners").getJsonObject(Shards.of(id, Fleet.SHARDS)).getString("owner");
            if (victim.equals(owner)) {
                order = fleet.createOrder(0, customer, id);
            }
        }
        long killedAt = System.nanoTime();
        fleet.kill(2);
        while (true) {
            try {
                if (fleet.updateItems(0, order, "after-kill-" + UUID.randomUUID(), Duration.ofSeconds(2)).statusCode() == 200) {
                    break;
                }
            } catch (Fleet.NoAnswer timedOut) {
                // the command went to the dead member's consumer: no answer; try again
            }
            sleep(Duration.ofMillis(50));
        }
        long recovered = (System.nanoTime() - killedAt) / 1_000_000;
        fleet.start(2);
        fleet.awaitMembers(Set.of(0, 1, 2));
        return recovered;
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
