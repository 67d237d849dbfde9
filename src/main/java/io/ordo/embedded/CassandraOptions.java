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
  * @param commitLog    how the commit log reaches the disk: what a power loss may take
  * @param systemTables whether schema changes are synced (always, but for throwaway test nodes)
  */
public record CassandraOptions(
        Path dataDir, String host, int cqlPort, int storagePort, String heap, Duration startTimeout,
        CommitLogSync commitLog, SystemTables systemTables) {

    /**
     * When Cassandra syncs its commit log. A process that dies (kill -9, an OOM) loses nothing either
     * way: the log is in the operating system's page cache. A power loss or a kernel crash loses what
     * was not synced yet:
     * {@code PERIODIC} acknowledges writes at once and syncs every {@code interval} (up to that much
     * acknowledged data lost); {@code GROUP} acknowledges a write only once a sync that covers it is
     * done, syncing at most once every {@code interval} (nothing acknowledged is lost; each write
     * waits up to the window); {@code BATCH} acknowledges a write once a sync that covers it is done,
     * each write starting one if none runs ({@code interval} unused).
     */
    public record CommitLogSync(Mode mode, Duration interval) {

        public enum Mode { PERIODIC, GROUP, BATCH }

        public CommitLogSync {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("the commit log's sync interval must be positive: " + interval);
            }
        }

        /**
         * Ordo's default: nothing acknowledged is lost, whatever dies. (Cassandra's own default, periodic
         * every 10 s, loses up to the last 10 s of acknowledged writes even to a kill -9 of the node: replay
         * stops at the last sync marker, and the log past it is not read.) {@code batch}, not {@code group}:
         * an append is several writes one after another (the Paxos rounds, then the rest), each waiting for
         * its sync, so a group window is paid several times (CommitLogBenchmark: group 10 ms 0.22x of
         * periodic, group 2 ms 0.47x, batch 0.51x).
         */
        public static final CommitLogSync DEFAULT = new CommitLogSync(Mode.BATCH, Duration.ofMillis(10));

        /** Cassandra's own default: acknowledged at once, synced every 10 s. For nodes whose data is thrown away. */
        public static final CommitLogSync PERIODIC_10S = new CommitLogSync(Mode.PERIODIC, Duration.ofSeconds(10));

        /** {@code periodic}, {@code group} or {@code batch}, as configured. */
        public static CommitLogSync of(String mode, Duration interval) {
            try {
                return new CommitLogSync(Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)), interval);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the commit log's sync mode is periodic, group or batch, not " + mode);
            }
        }
    }

    /**
     * Whether Cassandra syncs its system tables (the schema among them). {@code UNSYNCED} is
     * {@code -Dcassandra.unsafesystem=true}: faster schema changes, but a node killed minutes after a
     * {@code CREATE KEYSPACE} restarts without it, and drops the keyspace's data from its commit log
     * too. Only for nodes that are never killed and restarted on the same data (a test run's node).
     */
    public enum SystemTables { SYNCED, UNSYNCED }

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
        Objects.requireNonNull(commitLog, "commitLog");
        Objects.requireNonNull(systemTables, "systemTables");
        // Absolute and normalized: the path is written into the child's command line and later
        // compared against it to recognise a leftover child.
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** Default host, ports, heap, timeout and durability for a node in {@code dataDir}. */
    public static CassandraOptions defaults(Path dataDir) {
        return new CassandraOptions(dataDir, DEFAULT_HOST, DEFAULT_CQL_PORT, DEFAULT_STORAGE_PORT,
                DEFAULT_HEAP, DEFAULT_START_TIMEOUT, CommitLogSync.DEFAULT, SystemTables.SYNCED);
    }

    public CassandraOptions withPorts(int cqlPort, int storagePort) {
        return new CassandraOptions(dataDir, host, cqlPort, storagePort, heap, startTimeout, commitLog, systemTables);
    }

    public CassandraOptions withHeap(String heap) {
        return new CassandraOptions(dataDir, host, cqlPort, storagePort, heap, startTimeout, commitLog, systemTables);
    }

    public CassandraOptions withStartTimeout(Duration startTimeout) {
        return new CassandraOptions(dataDir, host, cqlPort, storagePort, heap, startTimeout, commitLog, systemTables);
    }

    public CassandraOptions withCommitLog(CommitLogSync commitLog) {
        return new CassandraOptions(dataDir, host, cqlPort, storagePort, heap, startTimeout, commitLog, systemTables);
    }

    public CassandraOptions withSystemTables(SystemTables systemTables) {
        return new CassandraOptions(dataDir, host, cqlPort, storagePort, heap, startTimeout, commitLog, systemTables);
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
