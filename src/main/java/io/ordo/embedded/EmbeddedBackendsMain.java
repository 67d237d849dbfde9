package io.ordo.embedded;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Runs the embedded Cassandra and Kafka on their own, until Ctrl-C, for several Ordo processes to share
 * (a cluster of members on one machine, see the README's Cluster mode):
 * {@code java -cp target/ordo.jar io.ordo.embedded.EmbeddedBackendsMain [dataDir]} (default {@code data};
 * CQL on 9042, Kafka on 9092).
 */
public final class EmbeddedBackendsMain {

    private EmbeddedBackendsMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dataDir = Path.of(args.length > 0 ? args[0] : "data");
        EmbeddedCassandra cassandra = new EmbeddedCassandra(CassandraOptions.defaults(dataDir.resolve("cassandra"))
                .withPorts(CassandraOptions.DEFAULT_CQL_PORT, CassandraOptions.DEFAULT_STORAGE_PORT));
        cassandra.start(); // each child's shutdown hook stops it on Ctrl-C
        EmbeddedKafka kafka = new EmbeddedKafka(KafkaOptions.defaults(dataDir.resolve("kafka")));
        kafka.start();
        System.out.println("Cassandra answers CQL on " + cassandra.contactPoint() + " and Kafka on "
                + kafka.bootstrapServers() + ". Ctrl-C stops both.");
        Thread.currentThread().join();
    }
}
