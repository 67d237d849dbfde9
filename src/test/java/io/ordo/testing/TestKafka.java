package io.ordo.testing;

import io.ordo.embedded.ChildJvm;
import io.ordo.embedded.EmbeddedKafka;
import io.ordo.embedded.KafkaOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The one real Kafka broker of a test JVM: started on first use on free ports, stopped by the JVM's shutdown hook. */
public final class TestKafka {

    private static EmbeddedKafka broker;

    private TestKafka() {
    }

    public static synchronized EmbeddedKafka broker() {
        if (broker == null) {
            EmbeddedKafka started = new EmbeddedKafka(KafkaOptions.defaults(Path.of("target", "it-kafka-" + ProcessHandle.current().pid()))
                    .withPorts(ChildJvm.freePort(), ChildJvm.freePort()));
            try {
                started.start();
            } catch (IOException e) {
                throw new UncheckedIOException("the test Kafka did not start", e);
            }
            broker = started;
        }
        return broker;
    }

    public static String bootstrapServers() {
        return broker().bootstrapServers();
    }
}
