package io.ordo.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A JVM run as a child process with a classpath of its own, resolved from Maven by
 * {@link ArtifactResolver}: the way Ordo runs a real Cassandra or Kafka without their libraries
 * meeting its own. Everything of the child lives in its data directory: a pid file, and its output
 * in {@code logs/stdout.log}.
 *
 * <p>{@link #start()} refuses taken ports before launching, stops a child left behind by a crashed
 * run (found by the pid file, confirmed by its command line), and returns once the ready port
 * accepts connections; if the child dies first, the error carries the tail of its logs. A JVM
 * shutdown hook stops the child if its owner does not (after the owner's own stop, if the owner asks
 * with {@link #stopOnJvmExitAfter}). All methods block, except {@code stopOnJvmExitAfter}: call them
 * off the event loop.
 */
public final class ChildJvm implements AutoCloseable {

    /**
     * @param name      for logs and errors, e.g. {@code Cassandra}
     * @param dataDir   the child's own directory (its real path: it marks the child's command line)
     * @param jvmArgs   heap, flags and system properties, before the main class
     * @param args      program arguments, after the main class
     * @param readyPort the child is ready when this port accepts connections
     * @param ports     ports that must be free before the launch, with what they are for
     */
    public record Spec(String name, Path dataDir, String pidFileName, String mainClass, List<String> artifacts,
                       List<String> jvmArgs, List<String> args, String host, int readyPort, Map<Integer, String> ports,
                       Duration startTimeout) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChildJvm.class);

    /** Children drain in seconds on SIGTERM; past this they are killed. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final Duration KILL_GRACE = Duration.ofSeconds(10);
    /** What SIGTERM gets when the owner's stop already took all of its time. */
    private static final Duration LATE_STOP_GRACE = Duration.ofSeconds(3);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(250);
    private static final int LOG_TAIL_LINES = 40;
    /** Ties a running child to its data directory, so a leftover is recognised and a stranger left alone. */
    private static final String MARKER = "-Dordo.child.dir=";

    /** Options of the parent that must not leak into the child (agents, debug ports, heap flags). */
    private static final List<String> SCRUBBED_ENV =
            List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");

    private final Spec spec;
    private final ArtifactResolver resolver;
    /** Volatile: the shutdown hook reads it without taking this object's monitor. */
    private volatile Process process;
    private Thread shutdownHook;
    /** What the shutdown hook waits for before it stops the child; null: nothing. */
    private volatile OwnerStop ownerStop;

    private record OwnerStop(CompletionStage<?> stopped, Duration atMost) {
    }

    /** Restarts after the child dies on its own: see {@link #restartWhenItDies}. Null: a death is left alone. */
    private volatile Backoff restarts;
    /** What {@link #startWith} ran before the launch: run again before each restart (it is idempotent). */
    private Preparation preparation = () -> { };
    private final java.util.concurrent.atomic.AtomicInteger restartCount = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long startedAtMs;

    /** The pause before each restart: {@code first}, doubling while restarts keep failing, at most {@code max}. */
    public record Backoff(Duration first, Duration max, Duration stable) {
    }

    public ChildJvm(Spec spec, ArtifactResolver resolver) {
        this.spec = spec;
        this.resolver = resolver;
    }

    public boolean isRunning() {
        Process child = process;
        return child != null && child.isAlive();
    }

    public long pid() {
        Process child = process;
        if (child == null) {
            throw new IllegalStateException(spec.name() + " is not started");
        }
        return child.pid();
    }

    public Path pidFile() {
        return spec.dataDir().resolve(spec.pidFileName());
    }

    public Path stdoutFile() {
        return spec.dataDir().resolve("logs").resolve("stdout.log");
    }

    /** Work done after the checks and before the launch, such as writing the child's configuration. */
    @FunctionalInterface
    public interface Preparation {
        void prepare() throws IOException;
    }

    /** Starts the child and returns once its ready port accepts connections. */
    public void start() throws IOException {
        startWith(() -> { });
    }

    /** Like {@link #start()}, running {@code preparation} once the pid file and ports are checked. */
    public synchronized void startWith(Preparation preparation) throws IOException {
        if (process != null) {
            throw new IllegalStateException(spec.name() + " already started, pid " + process.pid());
        }
        Files.createDirectories(spec.dataDir().resolve("logs"));
        // Leftovers first: a child of a crashed run is usually what holds the ports.
        stopLeftover();
        for (Map.Entry<Integer, String> port : spec.ports().entrySet()) {
            requirePortFree(spec.name(), spec.host(), port.getKey(), port.getValue());
        }
        this.preparation = preparation;
        launchAndAwaitReady();
    }

    /** The launch itself: the checks of {@link #startWith} are done, and {@link #preparation} is to run. */
    private void launchAndAwaitReady() throws IOException {
        preparation.prepare();
        long resolving = System.nanoTime();
        List<Path> classpath = resolver.resolve(spec.artifacts());
        long resolved = System.nanoTime();
        Process child = launch(classpath, spec.args(), stdoutFile());
        process = child;
        LOG.info("Started {} child pid {} in {} (classpath of {} jars resolved in {} ms)", spec.name(), child.pid(),
                spec.dataDir(), classpath.size(), (resolved - resolving) / 1_000_000);
        try {
            write(pidFile(), child.pid() + "\n");
            shutdownHook = new Thread(this::stopOnJvmExit, "embedded-" + spec.name().toLowerCase() + "-stop-" + child.pid());
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            awaitReadyPort(child, resolved);
        } catch (IOException | RuntimeException e) {
            stopHolding();
            throw e;
        }
        startedAtMs = System.currentTimeMillis();
        child.onExit().thenRun(() -> diedOnItsOwn(child));
    }

    /**
     * From now on, a child that exits without {@link #stop()} (its OOM, a kill, a crash) is started
     * again, after a pause of {@code backoff.first()} that doubles while restarts keep failing (up to
     * {@code backoff.max()}) and starts over once a restarted child has run {@code backoff.stable()}.
     * Each restart runs the checks and the preparation of a first start. Does not block.
     */
    public void restartWhenItDies(Backoff backoff) {
        restarts = backoff;
    }

    /** How many times the child was started again after dying on its own. */
    public int restarts() {
        return restartCount.get();
    }

    private void diedOnItsOwn(Process dead) {
        Backoff backoff = restarts;
        if (backoff == null || process != dead) {
            return; // stopped on purpose, or nobody asked for restarts
        }
        LOG.error("{} pid {} died on its own (exit code {}); restarting it{}", spec.name(), dead.pid(), dead.exitValue(),
                tailOf(stdoutFile()));
        Thread keeper = new Thread(() -> restartAfter(dead, backoff), "embedded-" + spec.name().toLowerCase() + "-restart");
        keeper.setDaemon(true);
        keeper.start();
    }

    /** Restarts the dead child, pausing before each attempt; gives up only once {@link #stop()} is called. */
    private void restartAfter(Process dead, Backoff backoff) {
        long pause = backoff.first().toMillis();
        if (System.currentTimeMillis() - startedAtMs < backoff.stable().toMillis()) {
            // It died soon after its last start: keep backing off instead of starting over.
            pause = Math.min(backoff.max().toMillis(), pause * (1L << Math.min(restartCount.get(), 6)));
        }
        while (true) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (restarts == null || process != dead) {
                    return; // stopped meanwhile
                }
                process = null;
                removeShutdownHook();
                try {
                    stopLeftover();
                    for (Map.Entry<Integer, String> port : spec.ports().entrySet()) {
                        requirePortFree(spec.name(), spec.host(), port.getKey(), port.getValue());
                    }
                    launchAndAwaitReady();
                    restartCount.incrementAndGet();
                    LOG.info("{} restarted, pid {}", spec.name(), process.pid());
                    return;
                } catch (IOException | RuntimeException e) {
                    process = dead; // still the one to replace; a stop() meanwhile is seen through restarts
                    LOG.error("Restarting {} failed; trying again in {} ms: {}", spec.name(),
                            Math.min(backoff.max().toMillis(), pause * 2), e.getMessage());
                }
            }
            pause = Math.min(backoff.max().toMillis(), pause * 2);
        }
    }

    /**
     * Runs the same classpath with another main class to completion (a tool, such as Kafka's
     * storage formatter) and answers its exit code; its output goes to {@code logs/<tool>.log}.
     */
    public int runTool(String mainClass, List<String> args, Duration timeout) throws IOException {
        Files.createDirectories(spec.dataDir().resolve("logs"));
        String tool = mainClass.substring(mainClass.lastIndexOf('.') + 1);
        Path log = spec.dataDir().resolve("logs").resolve(tool + ".log");
        List<String> command = new ArrayList<>();
        command.add(mainClass);
        command.addAll(args);
        Process run = launch(resolver.resolve(spec.artifacts()), command, log, true);
        try {
            if (!run.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                run.destroyForcibly();
                throw new IOException(spec.name() + " tool " + tool + " did not finish within " + timeout + tailOf(log));
            }
        } catch (InterruptedException e) {
            run.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + tool);
        }
        if (run.exitValue() != 0) {
            throw new IOException(spec.name() + " tool " + tool + " failed with exit code " + run.exitValue() + tailOf(log));
        }
        return run.exitValue();
    }

    private Process launch(List<Path> classpath, List<String> args, Path output) throws IOException {
        List<String> withMain = new ArrayList<>();
        withMain.add(spec.mainClass());
        withMain.addAll(args);
        return launch(classpath, withMain, output, false);
    }

    private Process launch(List<Path> classpath, List<String> mainAndArgs, Path output, boolean tool) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(spec.jvmArgs());
        if (!tool) {
            command.add(MARKER + spec.dataDir());
        }
        command.add("-cp");
        command.add(classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        command.addAll(mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(spec.dataDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(output.toFile()));
        Map<String, String> env = builder.environment();
        SCRUBBED_ENV.forEach(env::remove);
        Process child = builder.start();
        child.getOutputStream().close(); // the child never reads stdin; don't hold a pipe open
        return child;
    }

    /** Stops the child: SIGTERM, up to 20 s to drain, then SIGKILL. Idempotent; no restart follows. */
    public void stop() {
        stop(STOP_GRACE);
    }

    /** Stops the child: SIGTERM, up to {@code grace} to drain, then SIGKILL. Idempotent; no restart follows. */
    public void stop(Duration grace) {
        restarts = null; // before the monitor: a restart holding it sees this at its next step
        stopHolding(grace);
    }

    private synchronized void stopHolding() {
        stopHolding(STOP_GRACE);
    }

    private synchronized void stopHolding(Duration grace) {
        Process child = process;
        if (child == null) {
            return;
        }
        long begin = System.nanoTime();
        boolean wasAlive = child.isAlive();
        boolean exited = terminate(child.toHandle(), spec.name() + " child", grace);
        process = null;
        removeShutdownHook();
        if (exited) {
            deletePidFile(child.pid());
            LOG.info(wasAlive ? "Stopped {} pid {} in {} ms" : "{} pid {} had already exited",
                    spec.name(), child.pid(), (System.nanoTime() - begin) / 1_000_000);
        } else {
            // Keep the pid file: the next start() finds and stops the survivor.
            LOG.error("{} pid {} did not exit even after SIGKILL", spec.name(), child.pid());
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Makes the shutdown hook wait until {@code ownerStopped} completes (at most {@code atMost}) before
     * it stops the child. JVM shutdown hooks run concurrently: an owner whose own hook still drains into
     * the child (Ordo flushing its relay to Kafka) would otherwise see it die mid-drain. The hook stays
     * the safety net: it stops whatever the owner left running once that stop ends or the wait runs out.
     * Does not block.
     */
    public void stopOnJvmExitAfter(CompletionStage<?> ownerStopped, Duration atMost) {
        ownerStop = new OwnerStop(ownerStopped, atMost);
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

    private void stopLeftover() throws IOException {
        Path pidFile = pidFile();
        if (!Files.exists(pidFile)) {
            return;
        }
        OptionalLong pid = readPid(pidFile);
        Optional<ProcessHandle> handle = pid.isPresent() ? ProcessHandle.of(pid.getAsLong()) : Optional.empty();
        if (handle.isPresent() && handle.get().isAlive() && isChildFor(handle.get())) {
            LOG.warn("Stopping {} pid {} left behind by an earlier run on {}", spec.name(), pid.getAsLong(), spec.dataDir());
            if (!terminate(handle.get(), "leftover " + spec.name())) {
                throw new IOException("Leftover " + spec.name() + " pid " + pid.getAsLong() + " on " + spec.dataDir()
                        + " survived SIGTERM and SIGKILL");
            }
        } else {
            // Pid gone or reused by an unrelated process: the file is merely stale.
            LOG.info("Ignoring stale pid file {} (pid {})", pidFile, pid.isPresent() ? pid.getAsLong() : "unreadable");
        }
        Files.deleteIfExists(pidFile);
    }

    /** True if {@code handle} runs this spec's main class on this data directory. */
    private boolean isChildFor(ProcessHandle handle) {
        List<String> args = commandLine(handle);
        return args.contains(spec.mainClass()) && args.contains(MARKER + spec.dataDir());
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
        return terminate(handle, what, STOP_GRACE);
    }

    private static boolean terminate(ProcessHandle handle, String what, Duration grace) {
        if (!handle.isAlive()) {
            return true;
        }
        handle.destroy(); // SIGTERM: Cassandra's own hook drains and flushes the commit log.
        if (awaitExit(handle, grace)) {
            return true;
        }
        LOG.warn("{} pid {} ignored SIGTERM for {}; killing it", what, handle.pid(), grace);
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
        boolean ownerLate = !awaitOwnerStop();
        restarts = null; // the JVM is going: a child that dies now stays dead
        Process child = process; // null once the owner's stop() is done
        // An owner that ran out of time leaves the child little: the JVM's exit is already late.
        if (child != null && terminate(child.toHandle(), spec.name() + " child", ownerLate ? LATE_STOP_GRACE : STOP_GRACE)) {
            deletePidFile(child.pid());
        }
    }

    /** Waits for the owner's own stop; false if it did not end within its time. */
    private boolean awaitOwnerStop() {
        OwnerStop owner = ownerStop;
        if (owner == null) {
            return true;
        }
        try {
            owner.stopped().toCompletableFuture().get(owner.atMost().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            LOG.warn("{}'s owner did not stop it within {} of the JVM's exit; stopping it now", spec.name(), owner.atMost());
            return false;
        } catch (ExecutionException e) {
            return true; // The owner's stop failed: the child is the hook's to stop.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
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

    private void awaitReadyPort(Process child, long launched) throws IOException {
        InetSocketAddress address = new InetSocketAddress(spec.host(), spec.readyPort());
        long deadline = launched + spec.startTimeout().toNanos();
        while (true) {
            if (!child.isAlive()) {
                throw new IOException(spec.name() + " child pid " + child.pid() + " exited with code "
                        + child.exitValue() + " before opening port " + address + logTails());
            }
            // Alive again after connecting: the port must be the child's, not a late foreign listener.
            if (accepts(address) && child.isAlive()) {
                LOG.info("{} pid {} ready on {} in {} ms", spec.name(), child.pid(), address,
                        (System.nanoTime() - launched) / 1_000_000);
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(spec.name() + " child pid " + child.pid() + " did not open port "
                        + address + " within " + spec.startTimeout() + logTails());
            }
            try {
                child.waitFor(200, TimeUnit.MILLISECONDS); // a sleep that ends early if the child dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + spec.name() + " to start");
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

    private static void requirePortFree(String name, String host, int port, String what) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            // Same reuse flag as Cassandra's Netty: TIME_WAIT leftovers must not count as "taken".
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port), 1);
        } catch (IOException e) {
            throw new IOException("Cannot start " + name + ": " + what + " port " + host + ":" + port
                    + " is already in use (" + e.getMessage() + ")", e);
        }
    }

    // ---- files -------------------------------------------------------------------------------

    /** The JVM running us (Cassandra 5.0 runs on Java 11 and 17 and fails on 25; Kafka 4 needs 17). */
    public static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Write-then-rename, so a crash never leaves a half-written pid or config file. */
    static Path write(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        return Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- diagnostics -------------------------------------------------------------------------

    /** The tails of the child's output and of every other log it wrote under {@code logs/}. */
    private String logTails() {
        StringBuilder tails = new StringBuilder(tailOf(stdoutFile()));
        try (var logs = Files.list(spec.dataDir().resolve("logs"))) {
            logs.filter(file -> file.toString().endsWith(".log") && !file.equals(stdoutFile()))
                    .forEach(file -> tails.append(tailOf(file)));
        } catch (IOException e) {
            // the stdout tail is what matters most
        }
        return tails.toString();
    }

    private static String tailOf(Path file) {
        return "\n--- tail of " + file + " ---\n" + tail(file, LOG_TAIL_LINES);
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
