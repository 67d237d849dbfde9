package io.ordo.bench;

import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderItem;
import io.ordo.embedded.CassandraOptions;
import io.ordo.embedded.EmbeddedCassandra;
import io.ordo.es.CommandMetadata;
import io.ordo.store.AppendResult;
import io.ordo.store.Store;
import io.ordo.testing.StoreFixture;
import io.ordo.store.FaultInjector;
import io.ordo.store.StoreConfig;
import io.ordo.bench.Lanes.Result;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.ordo.testing.StoreFixture.await;

/**
 * What the embedded Cassandra's durable commit log costs: two nodes side by side in one run, one
 * syncing in groups (Ordo's embedded default: a write is acknowledged once a sync covers it, so nothing
 * acknowledged is lost to a kill -9 or a power loss) and one syncing every 10 s (Cassandra's default:
 * up to 10 s of acknowledged writes lost to either), both given the whole append protocol at 64 appends
 * in flight on distinct aggregates, in alternating rounds after a warm-up.
 * {@code mvn -B -Pbench test-compile exec:exec -Dbench.main=io.ordo.bench.CommitLogBenchmark}
 */
public final class CommitLogBenchmark {

    private static final int LANES = 64;
    private static final int APPENDS = 3_000;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bench-commitlog");
        List<CassandraOptions.CommitLogSync> modes = List.of(CassandraOptions.CommitLogSync.PERIODIC_10S,
                new CassandraOptions.CommitLogSync(CassandraOptions.CommitLogSync.Mode.GROUP, Duration.ofMillis(10)),
                new CassandraOptions.CommitLogSync(CassandraOptions.CommitLogSync.Mode.GROUP, Duration.ofMillis(2)),
                new CassandraOptions.CommitLogSync(CassandraOptions.CommitLogSync.Mode.BATCH, Duration.ofMillis(1)));
        List<Node> nodes = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        try {
            for (CassandraOptions.CommitLogSync mode : modes) {
                nodes.add(new Node(dir.resolve(mode.mode().name().toLowerCase() + "-" + mode.interval().toMillis()), mode));
                results.add(Result.NONE);
            }
            SideBySide.warmUp(() -> nodes.forEach(node -> System.out.printf("warming up: %-28s %s%n", name(node.commitLog),
                    node.round().summary())));
            for (int round = 0; round < SideBySide.ROUNDS; round++) {
                for (int i = 0; i < nodes.size(); i++) {
                    results.set(i, results.get(i).plus(nodes.get(i).round()));
                }
            }
        } finally {
            nodes.forEach(Node::close);
        }
        System.out.println();
        System.out.printf("== Commit log sync of the embedded Cassandra (same run, %d s warm-up, %d rounds of %d appends, "
                + "the whole append protocol, %d in flight) ==%n", SideBySide.WARM_UP.toSeconds(), SideBySide.ROUNDS, APPENDS, LANES);
        Result periodic = results.get(0);
        for (int i = 0; i < nodes.size(); i++) {
            Result result = results.get(i);
            System.out.printf("%-28s %s  = %.2fx periodic%n    %s%n", name(modes.get(i)), result.summary(),
                    result.rate() / periodic.rate(), result.cpu().perOperation(result.count()));
        }
        System.exit(0);
    }

    private static String name(CassandraOptions.CommitLogSync sync) {
        return switch (sync.mode()) {
            case PERIODIC -> "periodic " + sync.interval().toSeconds() + " s (loses up to it)";
            case GROUP -> "group " + sync.interval().toMillis() + " ms (loses nothing)";
            case BATCH -> "batch (loses nothing)";
        };
    }

    /** A Cassandra node of its own, with a store on it. */
    private static final class Node implements AutoCloseable {
        final CassandraOptions.CommitLogSync commitLog;
        final EmbeddedCassandra cassandra;
        final Vertx vertx = Vertx.vertx();
        final Store store;

        Node(Path dataDir, CassandraOptions.CommitLogSync commitLog) throws IOException {
            this.commitLog = commitLog;
            cassandra = new EmbeddedCassandra(CassandraOptions.defaults(dataDir)
                    .withPorts(EmbeddedCassandra.freePort(), EmbeddedCassandra.freePort())
                    .withHeap("512m").withCommitLog(commitLog).withStartTimeout(Duration.ofSeconds(120)));
            cassandra.start();
            store = await(Store.open(vertx, StoreConfig.fromJson(new JsonObject()
                    .put("contactPoints", new JsonArray().add("127.0.0.1:" + cassandra.options().cqlPort()))
                    .put("keyspace", "bench_commitlog")
                    .put("requestTimeoutMs", 20_000)), StoreFixture.BUILT_IN, FaultInjector.NONE), Duration.ofSeconds(120));
        }

        /** {@link #APPENDS} appends of one event each on {@link #LANES} aggregates, each created then updated. */
        Result round() {
            List<UUID> ids = new ArrayList<>();
            long[] versions = new long[LANES];
            for (int i = 0; i < LANES; i++) {
                ids.add(UUID.randomUUID());
            }
            return Lanes.measure(APPENDS, LANES, lane -> {
                OrderEvent event = versions[lane] == 0
                        ? new OrderEvent.OrderCreated(UUID.randomUUID(), List.of(OrderItem.of(UUID.randomUUID(), 1)))
                        : new OrderEvent.OrderItemsUpdated(List.of(OrderItem.of(UUID.randomUUID(), lane + 1)), null);
                return store.events().append("Order", ids.get(lane), versions[lane], List.of(event), CommandMetadata.system())
                        .compose(result -> {
                            if (result instanceof AppendResult.Appended appended) {
                                versions[lane] = appended.version();
                                return Future.succeededFuture();
                            }
                            return Future.failedFuture("unexpected conflict");
                        });
            }, () -> Cpu.now(cassandra.pid()));
        }

        @Override
        public void close() {
            await(store.close());
            await(vertx.close());
            cassandra.stop();
        }
    }
}
