package io.ordo.embedded;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Runs the embedded Cassandra on its own, until Ctrl-C:
 * {@code java -cp target/ordo.jar io.ordo.embedded.EmbeddedCassandraMain [dataDir] [cqlPort]}
 * (defaults {@code data/cassandra} and 9042). Useful with {@code cqlsh} or a second Ordo process.
 */
public final class EmbeddedCassandraMain {

    private EmbeddedCassandraMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dataDir = Path.of(args.length > 0 ? args[0] : "data/cassandra");
        int cqlPort = args.length > 1 ? Integer.parseInt(args[1]) : CassandraOptions.DEFAULT_CQL_PORT;
        EmbeddedCassandra cassandra = new EmbeddedCassandra(
                CassandraOptions.defaults(dataDir).withPorts(cqlPort, CassandraOptions.DEFAULT_STORAGE_PORT));
        cassandra.start(); // its shutdown hook stops the child on Ctrl-C
        System.out.println("Cassandra " + EmbeddedCassandra.CASSANDRA_ARTIFACT + " answers CQL on "
                + cassandra.contactPoint() + " (local DC " + EmbeddedCassandra.LOCAL_DATACENTER + "); logs in "
                + cassandra.logFile() + ". Ctrl-C stops it.");
        Thread.currentThread().join();
    }
}
