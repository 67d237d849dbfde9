package io.ordo.config;

import io.ordo.store.Dialect;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrdoConfigTest {

    @Test
    void theProductionFileDescribesAScyllaClusterAndAKafkaCluster() throws IOException {
        OrdoConfig config = OrdoConfig.fromJson(new JsonObject(Files.readString(Path.of("conf", "config-scylla.json"))));
        assertEquals(OrdoConfig.Mode.EXTERNAL, config.mode());
        assertEquals(Dialect.SCYLLA, config.store().dialect());
        assertEquals(3, config.store().contactPoints().size());
        assertTrue(config.store().replication().contains("NetworkTopologyStrategy"));
        assertEquals("kafka-1:9092,kafka-2:9092,kafka-3:9092", config.relay().bootstrapServers());
        assertTrue(config.projections().enabled());
        assertTrue(config.relay().cdcConfidenceWindowMs() >= config.store().requestTimeout().toMillis());
    }

    @Test
    void environmentVariablesOverrideTheFileIncludingSecretsAndKafkaSecurity() throws IOException {
        JsonObject file = new JsonObject(Files.readString(Path.of("conf", "config-scylla.json")));
        OrdoConfig config = OrdoConfig.fromJson(OrdoConfig.withEnvironment(file, Map.of(
                "ORDO_STORE_CONTACT_POINTS", "10.0.0.1:9042, 10.0.0.2:9042",
                "ORDO_STORE_USERNAME", "ordo",
                "ORDO_STORE_PASSWORD", "s3cret",
                "ORDO_STORE_TLS", "true",
                "ORDO_HTTP_PORT", "9090",
                "ORDO_KAFKA_BOOTSTRAP_SERVERS", "broker:9093",
                "ORDO_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "ORDO_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "ORDO_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"o\" password=\"p\";",
                "ORDO_OPS_TOKEN", "0ps-t0ken")));
        assertEquals(2, config.store().contactPoints().size());
        assertEquals("ordo", config.store().username());
        assertEquals("s3cret", config.store().password());
        assertTrue(config.store().tls());
        assertEquals(9090, config.http().port());
        assertEquals("0ps-t0ken", config.opsToken());
        Map<String, String> client = config.relay().kafkaClient(Map.of("group.id", "g"));
        assertEquals("broker:9093", client.get("bootstrap.servers"));
        assertEquals("SASL_SSL", client.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", client.get("sasl.mechanism"));
        assertTrue(client.get("sasl.jaas.config").contains("ScramLoginModule"));
        assertEquals("g", client.get("group.id"));
        for (String printed : new String[] {config.toString(), config.relay().toString(), config.store().toString()}) {
            for (String secret : new String[] {"s3cret", "0ps-t0ken", "ScramLoginModule", "password=\"p\""}) {
                assertFalse(printed.contains(secret), "no secret in a printed configuration: " + printed);
            }
        }
        assertTrue(config.relay().toString().contains("security.protocol=SASL_SSL"), config.relay().toString());
        assertTrue(config.relay().toString().contains("sasl.jaas.config=***"), config.relay().toString());
    }

    @Test
    void clusterModeIsOffByDefaultAndSetFromTheEnvironment() {
        OrdoConfig single = OrdoConfig.fromJson(new JsonObject());
        assertFalse(single.cluster().enabled());
        assertEquals(16, single.cluster().shards());
        assertEquals(16, single.store().shards(), "the store partitions its polling index by the cluster's shards");

        OrdoConfig member = OrdoConfig.fromJson(OrdoConfig.withEnvironment(new JsonObject(), Map.of(
                "ORDO_CLUSTER_ENABLED", "true",
                "ORDO_CLUSTER_HOST", "10.0.0.5",
                "ORDO_CLUSTER_PORT", "5801",
                "ORDO_CLUSTER_MEMBERS", "10.0.0.5:5801, 10.0.0.6:5801,10.0.0.7:5801",
                "ORDO_CLUSTER_SHARDS", "64")));
        assertTrue(member.cluster().enabled());
        assertEquals("10.0.0.5", member.cluster().host());
        assertEquals(5801, member.cluster().port());
        assertEquals(java.util.List.of("10.0.0.5:5801", "10.0.0.6:5801", "10.0.0.7:5801"), member.cluster().members());
        assertEquals(64, member.cluster().shards());
        assertEquals(64, member.store().shards());
        assertThrows(IllegalArgumentException.class, () -> OrdoConfig.fromJson(new JsonObject()
                .put("cluster", new JsonObject().put("shards", 0))));
    }

    @Test
    void secretsThatLookLikeNumbersStayAsWritten() {
        String longToken = "1234567890123456789012345"; // 25 digits: no long holds it
        OrdoConfig config = OrdoConfig.fromJson(OrdoConfig.withEnvironment(new JsonObject(), Map.of(
                "ORDO_STORE_PASSWORD", "00123",
                "ORDO_STORE_USERNAME", "0042",
                "ORDO_OPS_TOKEN", longToken,
                "ORDO_STORE_KEYSPACE", "k1",
                "ORDO_HTTP_PORT", " 9090 ")));
        assertEquals("00123", config.store().password());
        assertEquals("0042", config.store().username());
        assertEquals(longToken, config.opsToken());
        assertEquals(9090, config.http().port());
    }

    @Test
    void aBadNumberOrBooleanNamesItsVariableButNotItsValue() {
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> OrdoConfig.withEnvironment(new JsonObject(), Map.of("ORDO_HTTP_PORT", "80a80")));
        assertTrue(port.getMessage().contains("ORDO_HTTP_PORT") && port.getMessage().contains("http.port"), port.getMessage());
        assertFalse(port.getMessage().contains("80a80"), port.getMessage());
        assertNull(port.getCause(), "a parser's message would repeat the value");

        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
                () -> OrdoConfig.withEnvironment(new JsonObject(), Map.of("ORDO_EVENT_LOOPS", "99999999999")));
        assertTrue(tooLarge.getMessage().contains("ORDO_EVENT_LOOPS"), tooLarge.getMessage());

        IllegalArgumentException tls = assertThrows(IllegalArgumentException.class,
                () -> OrdoConfig.withEnvironment(new JsonObject(), Map.of("ORDO_STORE_TLS", "yes")));
        assertTrue(tls.getMessage().contains("ORDO_STORE_TLS") && tls.getMessage().contains("true or false"), tls.getMessage());
    }

    @Test
    void theEmbeddedDefaultNeedsNoEnvironment() {
        OrdoConfig config = OrdoConfig.fromJson(OrdoConfig.withEnvironment(new JsonObject(), Map.of()));
        assertEquals(OrdoConfig.Mode.EMBEDDED, config.mode());
        assertFalse(config.store().tls());
        assertTrue(config.relay().kafka().isEmpty());
    }

    @Test
    void inEmbeddedModeTheStoreAndTheRelayUseTheChildrensPorts() {
        OrdoConfig config = OrdoConfig.fromJson(OrdoConfig.withEnvironment(new JsonObject(),
                Map.of("ORDO_CASSANDRA_PORT", "9142", "ORDO_KAFKA_PORT", "9192")));
        assertEquals("127.0.0.1", config.store().contactPoints().get(0).getHostString());
        assertEquals(9142, config.store().contactPoints().get(0).getPort());
        assertEquals("127.0.0.1:9192", config.relay().bootstrapServers());
        OrdoConfig external = OrdoConfig.fromJson(new JsonObject().put("mode", "external")
                .put("embedded", new JsonObject().put("cassandraCqlPort", 9142)));
        assertEquals(9042, external.store().contactPoints().get(0).getPort(), "external mode uses store.contactPoints");
    }

    @Test
    void theCommitLogSyncAndTheShutdownBudgetAreTyped() {
        OrdoConfig defaults = OrdoConfig.fromJson(new JsonObject());
        assertEquals(io.ordo.embedded.CassandraOptions.CommitLogSync.Mode.BATCH, defaults.embedded().commitLog().mode(),
                "nothing acknowledged is lost by default");
        assertEquals(10, OrdoConfig.fromJson(new JsonObject().put("embedded", new JsonObject().put("commitLogSync", "group")))
                .embedded().commitLog().interval().toMillis(), "group's window is short by default");
        assertEquals(30_000, defaults.shutdownTimeoutMs());
        OrdoConfig periodic = OrdoConfig.fromJson(OrdoConfig.withEnvironment(new JsonObject(),
                Map.of("ORDO_COMMITLOG_SYNC", "periodic", "ORDO_SHUTDOWN_TIMEOUT_MS", "12000")));
        assertEquals(io.ordo.embedded.CassandraOptions.CommitLogSync.Mode.PERIODIC, periodic.embedded().commitLog().mode());
        assertEquals(10_000, periodic.embedded().commitLog().interval().toMillis(), "Cassandra's own 10 s");
        assertEquals(12_000, periodic.shutdownTimeoutMs());
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> OrdoConfig.fromJson(
                new JsonObject().put("embedded", new JsonObject().put("commitLogSync", "sometimes"))));
        assertTrue(odd.getMessage().contains("periodic, group or batch"), odd.getMessage());
    }

    @Test
    void eventLoopsLeaveCoresToAnEmbeddedDatabaseUnlessSet() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(Math.max(1, cores / 2), OrdoConfig.fromJson(new JsonObject()).eventLoops(), "embedded");
        assertEquals(2 * cores, OrdoConfig.fromJson(new JsonObject().put("mode", "external")).eventLoops(),
                "remote clusters: Vert.x's default");
        assertEquals(3, OrdoConfig.fromJson(new JsonObject().put("eventLoops", 3)).eventLoops());
        assertEquals(5, OrdoConfig.fromJson(OrdoConfig.withEnvironment(new JsonObject().put("eventLoops", 3),
                Map.of("ORDO_EVENT_LOOPS", "5"))).eventLoops());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> OrdoConfig.fromJson(new JsonObject().put("eventLoops", -1)));
        assertTrue(negative.getMessage().contains("eventLoops"), negative.getMessage());
    }
}
