package io.ordo.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
  * Settings of one embedded Cassandra node.
  *
  * @param dataDir      everything of the node lives here: data, commit log, config, logs, pid file
  * @param host         listen and CQL address, normally {@code 127.0.0.1}
  * @param cqlPort      native transport (CQL) port, normally 9042
  * @param storagePort  internode port, normally 7000; bound even by a single node
  * @param heap         child {@code -Xmx}, in JVM syntax ({@code 512m}, {@code 1g})
  * @param startTimeout how long {@link EmbeddedCassandra#start()} waits for the CQL port
  */
public record CassandraOptions(
        Path dataDir, String host, int cqlPort, int storagePort, String heap, Duration startTimeout) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_CQL_PORT = 9042;
    public static final int DEFAULT_STORAGE_PORT = 7000;
    public static final String DEFAULT_HEAP = "512m";
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(90);

    private static final Pattern HEAP = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

    public CassandraOptions {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(heap, "heap");
        Objects.requireNonNull(startTimeout, "startTimeout");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        requirePort(cqlPort, "cqlPort");
        requirePort(storagePort, "storagePort");
        if (cqlPort == storagePort) {
            throw new IllegalArgumentException("cqlPort and storagePort must differ: " + cqlPort);
        }
        if (!HEAP.matcher(heap).matches()) {
            throw new IllegalArgumentException("heap must look like 512m or 1g: " + heap);
        }
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout must be positive: " + startTimeout);
        }
        // Absolute and normalized: the path is written into the child's command line and later
        // compared against it to recognise a leftover child.
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** Default host, ports, heap and timeout for a node in {@code dataDir}. */
    public static CassandraOptions defaults(Path dataDir) {
        return new CassandraOptions(dataDir, DEFAULT_HOST, DEFAULT_CQL_PORT, DEFAULT_STORAGE_PORT,
                DEFAULT_HEAP, DEFAULT_START_TIMEOUT);
    }

    public CassandraOptions withPorts(int cqlPort, int storagePort) {
        return new CassandraOptions(dataDir, host, cqlPort, storagePort, heap, startTimeout);
    }

    public CassandraOptions withHeap(String heap) {
        return new CassandraOptions(dataDir, host, cqlPort, storagePort, heap, startTimeout);
    }

    public CassandraOptions withStartTimeout(Duration startTimeout) {
        return new CassandraOptions(dataDir, host, cqlPort, storagePort, heap, startTimeout);
    }

    /** {@link #heap()} in bytes. */
    long heapBytes() {
        long value = Long.parseLong(heap.replaceAll("[^0-9]", ""));
        return switch (Character.toLowerCase(heap.charAt(heap.length() - 1))) {
            case 'k' -> value << 10;
            case 'm' -> value << 20;
            case 'g' -> value << 30;
            default -> value;
        };
    }

    private static void requirePort(int port, String name) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException(name + " out of range: " + port);
        }
    }
}
