package io.ordo.embedded;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A real Apache Cassandra node run as a child JVM ({@link ChildJvm}), for development and tests.
 *
 * <p>Cassandra runs in its own JVM because it installs a SecurityManager, may {@code System.exit}
 * on fatal errors and needs its own library versions (Netty 4.1, Jackson 2.19). {@link #start()}
 * and {@link #stop()} block (seconds): call them off the event loop.
 */
public final class EmbeddedCassandra implements AutoCloseable {

    public static final String CASSANDRA_ARTIFACT = "org.apache.cassandra:cassandra-all:5.0.9";
    public static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";
    public static final String LOCAL_DATACENTER = "datacenter1";
    public static final String PID_FILE_NAME = "cassandra.pid";

    /** From Cassandra's conf/jvm17-server.options; without them: "unable to access required classes". */
    private static final List<String> ADD_EXPORTS = List.of(
            "java.base/jdk.internal.misc",
            "java.management.rmi/com.sun.jmx.remote.internal.rmi",
            "java.rmi/sun.rmi.registry",
            "java.rmi/sun.rmi.server",
            "java.sql/java.sql",
            "java.base/java.lang.ref",
            "jdk.unsupported/sun.misc",
            "jdk.compiler/com.sun.tools.javac.file",
            "jdk.attach/sun.tools.attach");
    private static final List<String> ADD_OPENS = List.of(
            "java.base/java.lang.module",
            "java.base/jdk.internal.loader",
            "java.base/jdk.internal.ref",
            "java.base/jdk.internal.reflect",
            "java.base/jdk.internal.math",
            "java.base/jdk.internal.module",
            "java.base/jdk.internal.util.jar",
            "jdk.management/com.sun.management.internal",
            "java.base/sun.nio.ch",
            "java.base/java.io",
            "java.base/java.lang.reflect",
            "jdk.compiler/com.sun.tools.javac",
            "java.base/java.lang",
            "java.base/java.util");

    private final CassandraOptions options;
    private final ArtifactResolver resolver;
    /** Volatile: {@link #stopOnJvmExitAfter} reads it without the monitor that a start holds for seconds. */
    private volatile ChildJvm child;

    public EmbeddedCassandra(CassandraOptions options) {
        this(options, new ArtifactResolver());
    }

    public EmbeddedCassandra(CassandraOptions options, ArtifactResolver resolver) {
        this.options = options;
        this.resolver = resolver;
    }

    public CassandraOptions options() {
        return options;
    }

    /** Where a CQL driver connects: {@code host:cqlPort}. */
    public InetSocketAddress contactPoint() {
        return new InetSocketAddress(options.host(), options.cqlPort());
    }

    public synchronized boolean isRunning() {
        return child != null && child.isRunning();
    }

    /** Pid of the running child. */
    public synchronized long pid() {
        if (child == null) {
            throw new IllegalStateException("Cassandra is not started");
        }
        return child.pid();
    }

    public Path pidFile() {
        return options.dataDir().resolve(PID_FILE_NAME);
    }

    public Path logFile() {
        return options.dataDir().resolve("logs").resolve("cassandra.log");
    }

    /**
     * Starts the node and returns once its CQL port accepts connections. Blocking.
     *
     * @throws IOException if a port is taken, the classpath cannot be resolved, the child dies
     *     (the message carries the tail of its logs) or the CQL port is not open in time
     */
    public synchronized void start() throws IOException {
        if (child != null && child.isRunning()) {
            throw new IllegalStateException("Cassandra already started, pid " + child.pid());
        }
        // Real path: the same directory must always give the same command-line marker.
        Path dataDir = Files.createDirectories(options.dataDir()).toRealPath();
        Path logsDir = Files.createDirectories(dataDir.resolve("logs"));
        Path triggersDir = Files.createDirectories(dataDir.resolve("triggers"));
        Map<Integer, String> ports = new LinkedHashMap<>();
        ports.put(options.cqlPort(), "CQL (native transport)");
        ports.put(options.storagePort(), "storage (internode)");
        child = new ChildJvm(new ChildJvm.Spec("Cassandra", dataDir, PID_FILE_NAME, MAIN_CLASS,
                List.of(CASSANDRA_ARTIFACT), jvmArgs(dataDir, logsDir, triggersDir), List.of(), options.host(),
                options.cqlPort(), ports, options.startTimeout()), resolver);
        // The pid file, leftover and port checks come first: only then are the config files rewritten.
        child.startWith(() -> {
            ChildJvm.write(dataDir.resolve("cassandra.yaml"), cassandraYaml());
            ChildJvm.write(dataDir.resolve("logback.xml"), logbackXml(logsDir));
        });
    }

    /** Stops the child: SIGTERM, up to 20 s to drain, then SIGKILL. Blocking; idempotent. */
    public synchronized void stop() {
        if (child != null) {
            child.stop();
        }
    }

    /** Stops the child: SIGTERM, up to {@code grace} to drain, then SIGKILL. Blocking; idempotent. */
    public void stop(Duration grace) {
        ChildJvm running = child;
        if (running != null) {
            running.stop(grace);
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** For the running node: see {@link ChildJvm#restartWhenItDies}. Does not block. */
    public void restartWhenItDies(ChildJvm.Backoff backoff) {
        ChildJvm running = child;
        if (running != null) {
            running.restartWhenItDies(backoff);
        }
    }

    /** How many times the running node was started again after dying on its own. */
    public int restarts() {
        ChildJvm running = child;
        return running == null ? 0 : running.restarts();
    }

    /** For the running node: see {@link ChildJvm#stopOnJvmExitAfter}. Does not block. */
    public void stopOnJvmExitAfter(CompletionStage<?> ownerStopped, Duration atMost) {
        ChildJvm running = child;
        if (running != null) {
            running.stopOnJvmExitAfter(ownerStopped, atMost);
        }
    }

    /** A TCP port free on the loopback interface right now (for tests; racy by nature). */
    public static int freePort() {
        return ChildJvm.freePort();
    }

    private List<String> jvmArgs(Path dataDir, Path logsDir, Path triggersDir) {
        List<String> args = new ArrayList<>();
        // -Xms above -Xmx is a JVM error; as root the committed heap is mlocked, so keep -Xms small.
        args.add(options.heapBytes() >= 256L << 20 ? "-Xms256m" : "-Xms" + options.heap());
        args.add("-Xmx" + options.heap());
        // Cassandra's StartupChecks ask for it: continuing after an OOM risks corrupt data.
        args.add("-XX:+ExitOnOutOfMemoryError");
        args.add("-XX:ErrorFile=" + logsDir.resolve("hs_err_pid%p.log"));
        args.add("-Djdk.attach.allowAttachSelf=true");
        args.add("-Dio.netty.tryReflectionSetAccessible=true");
        ADD_EXPORTS.forEach(m -> args.add("--add-exports=" + m + "=ALL-UNNAMED"));
        ADD_OPENS.forEach(m -> args.add("--add-opens=" + m + "=ALL-UNNAMED"));
        args.add("-Dcassandra.config=" + dataDir.resolve("cassandra.yaml").toUri());
        args.add("-Dcassandra.storagedir=" + dataDir);
        args.add("-Dcassandra-foreground=yes"); // else it closes stdout/stderr, hiding JVM-level errors
        args.add("-Dcassandra.triggers_dir=" + triggersDir);
        args.add("-Dcassandra.native_transport_port=" + options.cqlPort());
        args.add("-Dcassandra.storage_port=" + options.storagePort());
        // Single-node start-up shortcuts: no gossip settling, short ring delay.
        args.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        args.add("-Dcassandra.ring_delay_ms=100");
        args.add("-Dcassandra.shutdown_announce_in_ms=0");
        if (options.systemTables() == CassandraOptions.SystemTables.UNSYNCED) {
            // Never on a node whose data must survive a kill: see SystemTables.
            args.add("-Dcassandra.unsafesystem=true");
        }
        // Avoids measuring memtable row overhead at start-up (about 2 s).
        args.add("-Dcassandra.memtable.row_overhead_size=180");
        // Without it Cassandra logs DEBUG to the console.
        args.add("-Dlogback.configurationFile=" + dataDir.resolve("logback.xml"));
        return args;
    }

    private String cassandraYaml() {
        String host = options.host();
        // Directories (data, commitlog, hints, saved_caches, cdc_raw) default under storagedir.
        return String.join("\n",
                "cluster_name: 'ordo-embedded'",
                "num_tokens: 1",
                "initial_token: 0",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "endpoint_snitch: SimpleSnitch",
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: '" + host + ":" + options.storagePort() + "'",
                "listen_address: '" + host + "'",
                "rpc_address: '" + host + "'",
                "storage_port: " + options.storagePort(),
                "native_transport_port: " + options.cqlPort(),
                "start_native_transport: true",
                "commitlog_sync: " + options.commitLog().mode().name().toLowerCase(java.util.Locale.ROOT),
                switch (options.commitLog().mode()) {
                    case GROUP -> "commitlog_sync_group_window: " + options.commitLog().interval().toMillis() + "ms";
                    case PERIODIC -> "commitlog_sync_period: " + options.commitLog().interval().toMillis() + "ms";
                    case BATCH -> "# batch: each write's sync starts at once";
                },
                "commitlog_segment_size: 8MiB",
                "memtable_heap_space: 64MiB",
                "memtable_offheap_space: 64MiB",
                "concurrent_compactors: 1",
                "hinted_handoff_enabled: false",
                "auto_snapshot: false",
                "dynamic_snitch: false",
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                "cdc_enabled: true",
                // Group commit puts many events in one conditional batch; ScyllaDB allows 1 MiB.
                "batch_size_warn_threshold: 64KiB",
                "batch_size_fail_threshold: 1024KiB",
                // Two cores shared with the application: contended LWTs need longer than the defaults.
                "write_request_timeout: 5000ms",
                "cas_contention_timeout: 5000ms",
                "");
    }

    private static String logbackXml(Path logsDir) {
        String dir = xmlEscape(logsDir.toString());
        // INFO to a size-capped rolling file only: the child's console is a file nobody rotates.
        return """
                <configuration scan="false" debug="false">
                    <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
                        <file>%1$s/cassandra.log</file>
                        <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
                            <fileNamePattern>%1$s/cassandra.%%i.log.gz</fileNamePattern>
                            <minIndex>1</minIndex>
                            <maxIndex>5</maxIndex>
                        </rollingPolicy>
                        <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
                            <maxFileSize>50MB</maxFileSize>
                        </triggeringPolicy>
                        <encoder>
                            <pattern>%%-5level [%%thread] %%date{ISO8601} %%logger{36} - %%msg%%n</pattern>
                        </encoder>
                    </appender>
                    <root level="INFO">
                        <appender-ref ref="FILE"/>
                    </root>
                </configuration>
                """.formatted(dir);
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

}
