package io.ordo.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.UUID;

/**
 * A real Apache Kafka 4.1 broker (single-node KRaft) run as a child JVM ({@link ChildJvm}), for
 * development and tests. Its storage is formatted once, with a cluster id kept in the data
 * directory, so a restart finds its topics again. {@link #start()} and {@link #stop()} block.
 */
public final class EmbeddedKafka implements AutoCloseable {

    public static final List<String> KAFKA_ARTIFACTS =
            List.of("org.apache.kafka:kafka_2.13:4.1.1", "org.apache.kafka:kafka-server:4.1.1");
    public static final String MAIN_CLASS = "kafka.Kafka";
    static final String STORAGE_TOOL = "kafka.tools.StorageTool";
    public static final String PID_FILE_NAME = "kafka.pid";

    private final KafkaOptions options;
    private final ArtifactResolver resolver;
    /** Volatile: {@link #stopOnJvmExitAfter} reads it without the monitor that a start holds for seconds. */
    private volatile ChildJvm child;

    public EmbeddedKafka(KafkaOptions options) {
        this(options, new ArtifactResolver());
    }

    public EmbeddedKafka(KafkaOptions options, ArtifactResolver resolver) {
        this.options = options;
        this.resolver = resolver;
    }

    public KafkaOptions options() {
        return options;
    }

    public String bootstrapServers() {
        return options.bootstrapServers();
    }

    public synchronized boolean isRunning() {
        return child != null && child.isRunning();
    }

    public synchronized long pid() {
        if (child == null) {
            throw new IllegalStateException("Kafka is not started");
        }
        return child.pid();
    }

    public Path pidFile() {
        return options.dataDir().resolve(PID_FILE_NAME);
    }

    /** Formats the storage on first use, then starts the broker; returns once its port accepts connections. */
    public synchronized void start() throws IOException {
        if (child != null && child.isRunning()) {
            throw new IllegalStateException("Kafka already started, pid " + child.pid());
        }
        Path dataDir = Files.createDirectories(options.dataDir()).toRealPath();
        Path properties = dataDir.resolve("server.properties");
        Map<Integer, String> ports = new LinkedHashMap<>();
        ports.put(options.port(), "client listener");
        ports.put(options.controllerPort(), "KRaft controller listener");
        child = new ChildJvm(new ChildJvm.Spec("Kafka", dataDir, PID_FILE_NAME, MAIN_CLASS, KAFKA_ARTIFACTS,
                List.of("-Xms128m", "-Xmx" + options.heap(), "-XX:+ExitOnOutOfMemoryError",
                        "-Dkafka.logs.dir=" + dataDir.resolve("logs")),
                List.of(properties.toString()), options.host(), options.port(), ports, options.startTimeout()), resolver);
        child.startWith(() -> {
            ChildJvm.write(properties, serverProperties(dataDir));
            // Idempotent: an already formatted directory keeps its data.
            child.runTool(STORAGE_TOOL, List.of("format", "-t", clusterId(dataDir), "-c", properties.toString(),
                    "--ignore-formatted"), Duration.ofSeconds(60));
        });
    }

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

    /** For the running broker: see {@link ChildJvm#restartWhenItDies}. Does not block. */
    public void restartWhenItDies(ChildJvm.Backoff backoff) {
        ChildJvm running = child;
        if (running != null) {
            running.restartWhenItDies(backoff);
        }
    }

    /** How many times the running broker was started again after dying on its own. */
    public int restarts() {
        ChildJvm running = child;
        return running == null ? 0 : running.restarts();
    }

    /** For the running broker: see {@link ChildJvm#stopOnJvmExitAfter}. Does not block. */
    public void stopOnJvmExitAfter(CompletionStage<?> ownerStopped, Duration atMost) {
        ChildJvm running = child;
        if (running != null) {
            running.stopOnJvmExitAfter(ownerStopped, atMost);
        }
    }

    /** The cluster id of this data directory, made once (22 characters of URL-safe base64, as Kafka's). */
    private static String clusterId(Path dataDir) throws IOException {
        Path file = dataDir.resolve("cluster.id");
        // An id that starts with '-' is taken for an option by the storage tool (so never formatted a directory).
        if (Files.exists(file) && !Files.readString(file).startsWith("-")) {
            return Files.readString(file).strip();
        }
        String id = newClusterId();
        ChildJvm.write(file, id + "\n");
        return id;
    }

    /** As Kafka's own {@code Uuid.randomUuid}: base64 of 16 random bytes, never with a leading '-'. */
    static String newClusterId() {
        String id;
        do {
            UUID uuid = UUID.randomUUID();
            ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
        } while (id.startsWith("-"));
        return id;
    }

    private String serverProperties(Path dataDir) {
        String host = options.host();
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@" + host + ":" + options.controllerPort(),
                "listeners=PLAINTEXT://" + host + ":" + options.port() + ",CONTROLLER://" + host + ":" + options.controllerPort(),
                "advertised.listeners=PLAINTEXT://" + host + ":" + options.port(),
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dataDir.resolve("kafka-logs"),
                // One broker: every internal topic has one replica.
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "num.partitions=3",
                "auto.create.topics.enable=true",
                "");
    }
}
