package io.ordo.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one embedded Kafka broker (single-node KRaft: broker and controller in one process).
 *
 * @param dataDir        everything of the broker lives here: log segments, config, logs, pid file
 * @param port           the client listener, normally 9092
 * @param controllerPort the KRaft controller listener, normally 9093
 * @param heap           child {@code -Xmx}, in JVM syntax ({@code 512m})
 */
public record KafkaOptions(Path dataDir, String host, int port, int controllerPort, String heap, Duration startTimeout) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9092;
    public static final int DEFAULT_CONTROLLER_PORT = 9093;

    public KafkaOptions {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(heap, "heap");
        Objects.requireNonNull(startTimeout, "startTimeout");
        if (port == controllerPort) {
            throw new IllegalArgumentException("port and controllerPort must differ: " + port);
        }
        // Absolute and normalized: the path marks the child's command line.
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    public static KafkaOptions defaults(Path dataDir) {
        return new KafkaOptions(dataDir, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_CONTROLLER_PORT, "512m", Duration.ofSeconds(90));
    }

    public KafkaOptions withPorts(int newPort, int newControllerPort) {
        return new KafkaOptions(dataDir, host, newPort, newControllerPort, heap, startTimeout);
    }

    public KafkaOptions withHeap(String newHeap) {
        return new KafkaOptions(dataDir, host, port, controllerPort, newHeap, startTimeout);
    }

    /** What a client's {@code bootstrap.servers} names. */
    public String bootstrapServers() {
        return host + ":" + port;
    }
}
