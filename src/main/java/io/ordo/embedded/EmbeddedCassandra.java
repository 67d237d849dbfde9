package io.ordo.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
  * A real Apache Cassandra node run as a child JVM, for development and tests.
  *
  * <p>Cassandra runs in its own JVM because it installs a SecurityManager, may {@code System.exit}
  * on fatal errors and needs its own library versions (Netty 4.1, Jackson 2.19); its classpath is
  * resolved from Maven by {@link ArtifactResolver}, never taken from the application.
  *
  * <p>{@link #start()} and {@link #stop()} block (seconds): call them off the event loop. A JVM
  * shutdown hook stops the child if the owner forgets to; a child left behind by a crashed owner is
  * found through the pid file in the data directory and stopped by the next {@link #start()}.
  */
public final class EmbeddedCassandra implements AutoCloseable {

    public static final String CASSANDRA_ARTIFACT = "org.apache.cassandra:cassandra-all:5.0.9";
    public static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";
    public static final String LOCAL_DATACENTER = "datacenter1";
    public static final String PID_FILE_NAME = "cassandra.pid";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCassandra.class);

    /** Cassandra drains in about 4 s on SIGTERM; past this it is killed. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final Duration KILL_GRACE = Duration.ofSeconds(10);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(250);
    private static final int LOG_TAIL_LINES = 40;

    /** The command-line marker that ties a running Cassandra to its data directory. */
    private static final String STORAGE_DIR_FLAG = "-Dcassandra.storagedir=";

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

    /** Options of the parent that must not leak into the child (agents, debug ports, heap flags). */
    private static final List<String> SCRUBBED_ENV =
            List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");

    private final CassandraOptions options;
    private final ArtifactResolver resolver;

    /** Volatile: the shutdown hook reads it without taking this object's monitor. */
    private volatile Process process;
    private Thread shutdownHook;
    private Path dataDir;

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

    public boolean isRunning() {
        Process child = process;
        return child != null && child.isAlive();
    }

    /** Pid of the running child. */
    public long pid() {
        Process child = process;
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

    public Path stdoutFile() {
        return options.dataDir().resolve("logs").resolve("stdout.log");
    }

    /**
      * Starts the node and returns once its CQL port accepts connections. Blocking.
      *
      * @throws IOException if a port is taken, the classpath cannot be resolved, the child dies
      *     (the message carries the tail of its logs) or the CQL port is not open in time
      */
    public synchronized void start() throws IOException {
        if (process != null) {
            throw new IllegalStateException("Cassandra already started, pid " + process.pid());
        }
        // Real path: the same directory must always give the same command-line marker.
        dataDir = Files.createDirectories(options.dataDir()).toRealPath();
        Path logsDir = Files.createDirectories(dataDir.resolve("logs"));
        Path triggersDir = Files.createDirectories(dataDir.resolve("triggers"));

        // Leftovers first: a child of a crashed run is usually what holds the ports.
        stopLeftoverChild();
        requirePortFree(options.host(), options.cqlPort(), "CQL (native transport)");
        requirePortFree(options.host(), options.storagePort(), "storage (internode)");

        long resolving = System.nanoTime();
        List<Path> classpath = resolver.resolve(CASSANDRA_ARTIFACT);
        long resolved = System.nanoTime();
        Path yaml = write(dataDir.resolve("cassandra.yaml"), cassandraYaml());
        Path logback = write(dataDir.resolve("logback.xml"), logbackXml(logsDir));

        ProcessBuilder builder = new ProcessBuilder(command(classpath, yaml, logback, triggersDir))
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(stdoutFile().toFile()));
        Map<String, String> env = builder.environment();
        SCRUBBED_ENV.forEach(env::remove);

        Process child = builder.start();
        child.getOutputStream().close(); // Cassandra never reads stdin; don't hold a pipe open.
        process = child;
        LOG.info("Started Cassandra child pid {} in {} (classpath of {} jars resolved in {} ms)",
                child.pid(), dataDir, classpath.size(), (resolved - resolving) / 1_000_000);
        try {
            write(pidFile(), child.pid() + "\n");
            shutdownHook = new Thread(this::stopOnJvmExit, "embedded-cassandra-stop-" + child.pid());
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            awaitCqlPort(child, resolved);
        } catch (IOException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Stops the child: SIGTERM, up to 20 s to drain, then SIGKILL. Blocking; idempotent. */
    public synchronized void stop() {
        Process child = process;
        if (child == null) {
            return;
        }
        long begin = System.nanoTime();
        boolean wasAlive = child.isAlive();
        boolean exited = terminate(child.toHandle(), "Cassandra child");
        process = null;
        removeShutdownHook();
        if (exited) {
            deletePidFile(child.pid());
            LOG.info(wasAlive ? "Stopped Cassandra pid {} in {} ms" : "Cassandra pid {} had already exited",
                    child.pid(), (System.nanoTime() - begin) / 1_000_000);
        } else {
            // Keep the pid file: the next start() finds and stops the survivor.
            LOG.error("Cassandra pid {} did not exit even after SIGKILL", child.pid());
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** A TCP port free on the loopback interface right now (for tests; racy by nature). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on loopback", e);
        }
    }

    // ---- leftover children -------------------------------------------------------------------

    private void stopLeftoverChild() throws IOException {
        Path pidFile = pidFile();
        if (!Files.exists(pidFile)) {
            return;
        }
        OptionalLong pid = readPid(pidFile);
        Optional<ProcessHandle> handle =
                pid.isPresent() ? ProcessHandle.of(pid.getAsLong()) : Optional.empty();
        if (handle.isPresent() && handle.get().isAlive() && isCassandraFor(handle.get(), dataDir)) {
            LOG.warn("Stopping Cassandra pid {} left behind by an earlier run on {}", pid.getAsLong(), dataDir);
            if (!terminate(handle.get(), "leftover Cassandra")) {
                throw new IOException("Leftover Cassandra pid " + pid.getAsLong() + " on " + dataDir
                        + " survived SIGTERM and SIGKILL");
            }
        } else {
            // Pid gone or reused by an unrelated process: the file is merely stale.
            LOG.info("Ignoring stale pid file {} (pid {})", pidFile, pid.isPresent() ? pid.getAsLong() : "unreadable");
        }
        Files.deleteIfExists(pidFile);
    }

    /** True if {@code handle} runs CassandraDaemon with {@code dataDir} as its storage dir. */
    static boolean isCassandraFor(ProcessHandle handle, Path dataDir) {
        List<String> args = commandLine(handle);
        return args.contains(MAIN_CLASS) && args.contains(STORAGE_DIR_FLAG + dataDir);
    }

    /** Full argument vector: /proc is exact (NUL-separated, untruncated); ProcessHandle elsewhere. */
    static List<String> commandLine(ProcessHandle handle) {
        Path cmdline = Path.of("/proc", Long.toString(handle.pid()), "cmdline");
        if (Files.isReadable(cmdline)) {
            try {
                String raw = Files.readString(cmdline, StandardCharsets.UTF_8);
                return Arrays.stream(raw.split("\0")).filter(s -> !s.isEmpty()).toList();
            } catch (IOException e) {
                return List.of(); // process exited meanwhile
            }
        }
        ProcessHandle.Info info = handle.info();
        List<String> args = new ArrayList<>();
        info.command().ifPresent(args::add);
        info.arguments().ifPresent(a -> args.addAll(Arrays.asList(a)));
        return args;
    }

    private static OptionalLong readPid(Path pidFile) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private void deletePidFile(long pid) {
        Path pidFile = pidFile();
        // Only our own: after a leftover was replaced, the file belongs to the new child.
        if (readPid(pidFile).orElse(-1) == pid) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                LOG.warn("Could not delete {}", pidFile, e);
            }
        }
    }

    // ---- process control ---------------------------------------------------------------------

    /** SIGTERM, wait, SIGKILL, wait. Returns whether the process is gone. */
    private static boolean terminate(ProcessHandle handle, String what) {
        if (!handle.isAlive()) {
            return true;
        }
        handle.destroy(); // SIGTERM: Cassandra's own hook drains and flushes the commit log.
        if (awaitExit(handle, STOP_GRACE)) {
            return true;
        }
        LOG.warn("{} pid {} ignored SIGTERM for {}; killing it", what, handle.pid(), STOP_GRACE);
        handle.destroyForcibly();
        return awaitExit(handle, KILL_GRACE);
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            // Don't leave a half-stopped node behind an interrupted caller: kill it, wait briefly
            // without honouring the interrupt, and hand the interrupt back.
            handle.destroyForcibly();
            try {
                handle.onExit().get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException ignored) {
                // reported through the isAlive() below
            }
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        } catch (ExecutionException e) {
            return !handle.isAlive();
        }
    }

    private void stopOnJvmExit() {
        Process child = process;
        if (child != null && terminate(child.toHandle(), "Cassandra child")) {
            deletePidFile(child.pid());
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // JVM already shutting down: the hook is running or has run.
        }
        shutdownHook = null;
    }

    private void awaitCqlPort(Process child, long launched) throws IOException {
        InetSocketAddress address = contactPoint();
        long deadline = launched + options.startTimeout().toNanos();
        while (true) {
            if (!child.isAlive()) {
                throw new IOException("Cassandra child pid " + child.pid() + " exited with code "
                        + child.exitValue() + " before opening CQL port " + address + logTails());
            }
            // Alive again after connecting: the port must be the child's, not a late foreign listener.
            if (accepts(address) && child.isAlive()) {
                LOG.info("Cassandra pid {} ready on {} in {} ms", child.pid(), address,
                        (System.nanoTime() - launched) / 1_000_000);
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("Cassandra child pid " + child.pid() + " did not open CQL port "
                        + address + " within " + options.startTimeout() + logTails());
            }
            try {
                child.waitFor(200, TimeUnit.MILLISECONDS); // a sleep that ends early if the child dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for Cassandra to start");
            }
        }
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) PROBE_TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void requirePortFree(String host, int port, String what) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            // Same reuse flag as Cassandra's Netty: TIME_WAIT leftovers must not count as "taken".
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port), 1);
        } catch (IOException e) {
            throw new IOException("Cannot start Cassandra: " + what + " port " + host + ":" + port
                    + " is already in use (" + e.getMessage() + ")", e);
        }
    }

    // ---- command line and configuration ------------------------------------------------------

    private List<String> command(List<Path> classpath, Path yaml, Path logback, Path triggersDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        // -Xms above -Xmx is a JVM error; as root the committed heap is mlocked, so keep -Xms small.
        cmd.add(options.heapBytes() >= 256L << 20 ? "-Xms256m" : "-Xms" + options.heap());
        cmd.add("-Xmx" + options.heap());
        // Cassandra's StartupChecks ask for it: continuing after an OOM risks corrupt data.
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-XX:ErrorFile=" + dataDir.resolve("logs").resolve("hs_err_pid%p.log"));
        cmd.add("-Djdk.attach.allowAttachSelf=true");
        cmd.add("-Dio.netty.tryReflectionSetAccessible=true");
        ADD_EXPORTS.forEach(m -> cmd.add("--add-exports=" + m + "=ALL-UNNAMED"));
        ADD_OPENS.forEach(m -> cmd.add("--add-opens=" + m + "=ALL-UNNAMED"));
        cmd.add("-Dcassandra.config=" + yaml.toUri());
        cmd.add(STORAGE_DIR_FLAG + dataDir);
        cmd.add("-Dcassandra-foreground=yes"); // else it closes stdout/stderr, hiding JVM-level errors
        cmd.add("-Dcassandra.triggers_dir=" + triggersDir);
        cmd.add("-Dcassandra.native_transport_port=" + options.cqlPort());
        cmd.add("-Dcassandra.storage_port=" + options.storagePort());
        // Single-node start-up shortcuts: no gossip settling, short ring delay.
        cmd.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        cmd.add("-Dcassandra.ring_delay_ms=100");
        cmd.add("-Dcassandra.shutdown_announce_in_ms=0");
        // Skips fsync of system tables: a dev node trades durability of its own metadata for speed.
        cmd.add("-Dcassandra.unsafesystem=true");
        // Avoids measuring memtable row overhead at start-up (about 2 s).
        cmd.add("-Dcassandra.memtable.row_overhead_size=180");
        // Without it Cassandra logs DEBUG to the console.
        cmd.add("-Dlogback.configurationFile=" + logback);
        cmd.add("-cp");
        cmd.add(classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        cmd.add(MAIN_CLASS);
        return cmd;
    }

    /** The JVM running us: Cassandra 5.0 supports Java 11 and 17 (it fails on 25). */
    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
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
                "commitlog_sync: periodic",
                "commitlog_sync_period: 10000ms",
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

    /** Write-then-rename, so a crash never leaves a half-written pid or config file. */
    private static Path write(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        return Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- diagnostics -------------------------------------------------------------------------

    private String logTails() {
        return "\n--- tail of " + stdoutFile() + " ---\n" + tail(stdoutFile(), LOG_TAIL_LINES)
                + "\n--- tail of " + logFile() + " ---\n" + tail(logFile(), LOG_TAIL_LINES);
    }

    /** Last lines of a file, reading at most its last 64 KiB (logs can be large). */
    static String tail(Path file, int lines) {
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            long size = channel.size();
            int length = (int) Math.min(size, 64 * 1024);
            ByteBuffer buffer = ByteBuffer.allocate(length);
            channel.position(size - length);
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // read until full
            }
            String[] all = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8)
                    .split("\r?\n");
            return String.join("\n", Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
