package io.ordo.testing;

import io.ordo.embedded.CassandraOptions;
import io.ordo.embedded.EmbeddedCassandra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The one real Cassandra node of a test JVM: started on first use on free ports, shared by every
 * test class (each in a keyspace of its own), stopped by the JVM's shutdown hook.
 */
public final class TestCassandra {

    private static EmbeddedCassandra node;

    private TestCassandra() {
    }

    public static synchronized EmbeddedCassandra node() {
        if (node == null) {
            Path dataDir = Path.of("target", "it-cassandra");
            deleteRecursively(dataDir);
            CassandraOptions options = CassandraOptions.defaults(dataDir)
                    .withPorts(EmbeddedCassandra.freePort(), EmbeddedCassandra.freePort())
                    .withHeap("768m")
                    // Never killed and restarted on the same data: nothing needs a sync here.
                    .withSystemTables(CassandraOptions.SystemTables.UNSYNCED)
                    .withCommitLog(CassandraOptions.CommitLogSync.PERIODIC_10S)
                    .withStartTimeout(Duration.ofSeconds(120));
            EmbeddedCassandra started = new EmbeddedCassandra(options);
            try {
                started.start();
            } catch (IOException e) {
                throw new UncheckedIOException("the test Cassandra did not start", e);
            }
            node = started;
        }
        return node;
    }

    public static String contactPoint() {
        EmbeddedCassandra cassandra = node();
        return cassandra.options().host() + ":" + cassandra.options().cqlPort();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
