package io.ordo.config;

import io.ordo.embedded.CassandraOptions;
import io.ordo.store.StoreConfig;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Ordo's configuration, read once into typed records. Sources, later ones winning: the embedded
 * defaults in {@code conf/config.json}, a {@code conf/config.json} in the working directory (or the
 * file named by {@code -Dordo.config}), then the environment variables of {@link #ENVIRONMENT}.
 */
public record OrdoConfig(Mode mode, Embedded embedded, Http http, Aggregates aggregates, StoreConfig store,
                         int storeInstances, Relay relay, Projections projections, String opsToken,
                         long readyMaxBacklogMs, int eventLoops, long shutdownTimeoutMs, String eventBusPrefix,
                         Cluster cluster) {

    public enum Mode {
        /** Ordo starts its own Cassandra (and, later, Kafka) as child processes. */
        EMBEDDED,
        /** Ordo connects to the clusters named in {@code store} (and {@code kafka}). */
        EXTERNAL
    }

    /**
     * @param commitLog how the child Cassandra syncs its commit log (what a power loss may take)
     */
    public record Embedded(Path dataDir, int cassandraCqlPort, int cassandraStoragePort, String cassandraHeap,
                           int kafkaPort, int kafkaControllerPort, String kafkaHeap, CassandraOptions.CommitLogSync commitLog) {
    }

    /** Kafka client properties whose values may be printed; any other (JAAS config, passwords, keys) is hidden. */
    private static final Set<String> PLAIN_KAFKA_PROPERTIES = Set.of("security.protocol", "sasl.mechanism",
            "ssl.truststore.location", "ssl.truststore.type", "ssl.keystore.location", "ssl.keystore.type",
            "ssl.endpoint.identification.algorithm", "client.id");

    /**
     * The outbox relay to Kafka.
     *
     * @param fastPath               take hints from local commits at once (off: the durable source alone)
     * @param pollDelayMs            the polling source reads intents at least this old: no shorter than
     *                               the store's write timeout, so a slow write is never skipped
     * @param verificationWindowMs   how long a hint ahead of the stream waits for its commit before a
     *                               SERIAL read decides
     * @param initialLookbackMinutes where a source with no checkpoint starts reading
     * @param maxRecordBytes         the largest record sent; a larger event becomes a dead letter
     * @param cdcConfidenceWindowMs  how far behind now the CDC reader stays: never below the write timeout,
     *                               so a slow write is never behind the reader
     * @param kafka                  extra Kafka client properties for every client (e.g. security.protocol)
     * @param maxConcurrentAggregates aggregates the relay publishes at once (each at most a page of events in
     *                               flight); the others wait their turn
     */
    public record Relay(boolean enabled, boolean fastPath, String bootstrapServers, long pollIntervalMs, long pollDelayMs,
                        long verificationWindowMs, int initialLookbackMinutes, int breakerMaxFailures,
                        long breakerResetTimeoutMs, int maxRecordBytes, long cdcQueryWindowMs,
                        long cdcConfidenceWindowMs, int cdcWorkers, Map<String, String> kafka, int maxConcurrentAggregates) {

        public Relay {
            kafka = Map.copyOf(kafka);
        }

        /**
         * The settings of every Kafka client Ordo creates: the bootstrap servers, the operator's
         * {@code relay.kafka} properties (TLS, SASL), then the client's own.
         */
        public Map<String, String> kafkaClient(Map<String, String> own) {
            Map<String, String> settings = new HashMap<>();
            settings.put("bootstrap.servers", bootstrapServers);
            settings.putAll(kafka);
            settings.putAll(own);
            return settings;
        }

        /**
         * The Kafka client properties with their values hidden, but for those known to hold no secret:
         * {@code sasl.jaas.config} and the key and trust store passwords must not reach a log.
         */
        @Override
        public String toString() {
            Map<String, String> shown = new TreeMap<>();
            kafka.forEach((property, value) -> shown.put(property, PLAIN_KAFKA_PROPERTIES.contains(property) ? value : "***"));
            return "Relay[enabled=" + enabled + ", fastPath=" + fastPath + ", bootstrapServers=" + bootstrapServers
                    + ", pollIntervalMs=" + pollIntervalMs + ", pollDelayMs=" + pollDelayMs
                    + ", verificationWindowMs=" + verificationWindowMs + ", initialLookbackMinutes=" + initialLookbackMinutes
                    + ", breakerMaxFailures=" + breakerMaxFailures + ", breakerResetTimeoutMs=" + breakerResetTimeoutMs
                    + ", maxRecordBytes=" + maxRecordBytes + ", cdcQueryWindowMs=" + cdcQueryWindowMs
                    + ", cdcConfidenceWindowMs=" + cdcConfidenceWindowMs + ", cdcWorkers=" + cdcWorkers + ", kafka=" + shown
                    + ", maxConcurrentAggregates=" + maxConcurrentAggregates + "]";
        }
    }

    /**
     * The read side: projections consuming the event topics into the read-model tables.
     *
     * @param enabled               on only where the relay runs (it needs Kafka)
     * @param consumerGroup         the Kafka consumer group the projections share across instances
     * @param maxAttempts           attempts at one event before it is parked as a dead letter
     * @param retryBackoffMs        the first retry's delay; each later one doubles it
     * @param cacheSize             aggregates whose projected state is kept in memory (LRU)
     * @param readYourWritesTimeoutMs how long a query with {@code minVersion} waits for the projection
     * @param rebuildConcurrency    aggregates a rebuild replays at once
     */
    public record Projections(boolean enabled, String consumerGroup, int maxAttempts, long retryBackoffMs, int cacheSize,
                              long readYourWritesTimeoutMs, int rebuildConcurrency) {
    }

    /**
     * @param bodyLimitBytes   larger request bodies get 413
     * @param wsMaxQueuedBytes a WebSocket client that lets this much pile up is disconnected
     */
    public record Http(boolean enabled, String host, int port, int instances, long bodyLimitBytes, int wsMaxQueuedBytes) {
    }

    /**
     * @param instances   aggregate verticles; an aggregate belongs to {@code hash(id) % instances}
     * @param cacheSize   loaded aggregates kept per verticle (LRU)
     * @param maxRetries  re-decisions after a concurrency conflict before giving up with 409
     * @param groupCommit commit the commands queued for one aggregate in one conditional batch
     * @param maxBatch    most commands in one group commit
     * @param claimLeaseMs how long a running claim (an idempotency key's, a unique value's reservation) is
     *                    trusted before its instance is taken for dead: never below twice an append's timeout
     */
    /**
     * Cluster mode: instances that form a Vert.x cluster (Hazelcast) and share the aggregates' shards, one
     * owner per shard. Off, an instance owns every shard and needs no cluster.
     *
     * @param host              the address this member binds and is reached at (Hazelcast and the event bus)
     * @param port              Hazelcast's port on {@code host}
     * @param eventBusPort      the clustered event bus's port on {@code host} (0: any free one; members learn it
     *                          through Hazelcast)
     * @param members           {@code host:port} of the members to join (TCP-IP discovery; this one may be among them)
     * @param shards            the aggregates' shards (fixed per deployment: the polling index is partitioned by them)
     * @param name              the cluster's name: members of other names never join
     * @param heartbeatTimeoutMs after how long without a heartbeat a member that hangs is declared dead (one
     *                          that dies closes its connections and is noticed at once)
     */
    public record Cluster(boolean enabled, String host, int port, int eventBusPort, java.util.List<String> members,
                          int shards, String name, long heartbeatTimeoutMs) {

        public Cluster {
            members = java.util.List.copyOf(members);
        }
    }

    public record Aggregates(int instances, int cacheSize, int maxRetries, boolean groupCommit, int maxBatch,
                             long claimLeaseMs) {
    }

    /** Never the ops token or the Kafka client properties (they may hold credentials): configurations end up in logs. */
    @Override
    public String toString() {
        return "OrdoConfig[mode=" + mode + ", eventLoops=" + eventLoops + ", shutdownTimeoutMs=" + shutdownTimeoutMs
                + ", http=" + http + ", store=" + store
                + ", relay.enabled=" + relay.enabled()
                + ", relay.bootstrapServers=" + relay.bootstrapServers() + ", projections=" + projections
                + ", opsToken=" + (opsToken == null ? "none" : "***") + ", cluster=" + cluster + "]";
    }

    /** What an environment variable's text becomes in the configuration document. */
    public enum Kind {
        /** As written: names, hosts, secrets (a password 00123 keeps its zeros). */
        TEXT,
        /** A number that fits an {@code int} (ports, counts). */
        INT,
        /** A number that fits a {@code long} (sizes, durations in ms). */
        LONG,
        /** {@code true} or {@code false}, in any case. */
        BOOLEAN,
        /** Comma-separated, each item stripped. */
        LIST
    }

    /** The configuration key an environment variable overrides, and what its text becomes. */
    public record Setting(String key, Kind kind) {
    }

    /**
     * Environment variables and the configuration keys they override. Each names its kind: guessing
     * from the text turned an all-digit secret into a number (losing leading zeros, or failing with
     * the secret in the error).
     */
    public static final Map<String, Setting> ENVIRONMENT = Map.ofEntries(
            variable("ORDO_MODE", "mode", Kind.TEXT),
            variable("ORDO_EVENT_LOOPS", "eventLoops", Kind.INT),
            variable("ORDO_DATA_DIR", "embedded.dataDir", Kind.TEXT),
            variable("ORDO_COMMITLOG_SYNC", "embedded.commitLogSync", Kind.TEXT),
            variable("ORDO_SHUTDOWN_TIMEOUT_MS", "shutdownTimeoutMs", Kind.LONG),
            variable("ORDO_EVENT_BUS_PREFIX", "eventBus.prefix", Kind.TEXT),
            variable("ORDO_CASSANDRA_PORT", "embedded.cassandraCqlPort", Kind.INT),
            variable("ORDO_HTTP_HOST", "http.host", Kind.TEXT),
            variable("ORDO_HTTP_PORT", "http.port", Kind.INT),
            variable("ORDO_HTTP_BODY_LIMIT", "http.bodyLimitBytes", Kind.LONG),
            variable("ORDO_AGGREGATE_INSTANCES", "aggregates.instances", Kind.INT),
            variable("ORDO_GROUP_COMMIT", "aggregates.groupCommit", Kind.BOOLEAN),
            variable("ORDO_KAFKA_PORT", "embedded.kafkaPort", Kind.INT),
            variable("ORDO_RELAY_ENABLED", "relay.enabled", Kind.BOOLEAN),
            variable("ORDO_KAFKA_BOOTSTRAP_SERVERS", "relay.bootstrapServers", Kind.TEXT),
            variable("ORDO_OPS_TOKEN", "ops.token", Kind.TEXT),
            variable("ORDO_PROJECTIONS_ENABLED", "projections.enabled", Kind.BOOLEAN),
            variable("ORDO_STORE_CONTACT_POINTS", "store.contactPoints", Kind.LIST),
            variable("ORDO_STORE_LOCAL_DC", "store.localDatacenter", Kind.TEXT),
            variable("ORDO_STORE_KEYSPACE", "store.keyspace", Kind.TEXT),
            variable("ORDO_STORE_DIALECT", "store.dialect", Kind.TEXT),
            variable("ORDO_STORE_REPLICATION", "store.replication", Kind.TEXT),
            variable("ORDO_STORE_USERNAME", "store.username", Kind.TEXT),
            variable("ORDO_STORE_PASSWORD", "store.password", Kind.TEXT),
            variable("ORDO_STORE_TLS", "store.tls", Kind.BOOLEAN),
            variable("ORDO_READY_MAX_BACKLOG_MS", "ops.readyMaxBacklogMs", Kind.LONG),
            variable("ORDO_CLUSTER_ENABLED", "cluster.enabled", Kind.BOOLEAN),
            variable("ORDO_CLUSTER_HOST", "cluster.host", Kind.TEXT),
            variable("ORDO_CLUSTER_PORT", "cluster.port", Kind.INT),
            variable("ORDO_CLUSTER_EVENT_BUS_PORT", "cluster.eventBusPort", Kind.INT),
            variable("ORDO_CLUSTER_MEMBERS", "cluster.members", Kind.LIST),
            variable("ORDO_CLUSTER_SHARDS", "cluster.shards", Kind.INT),
            variable("ORDO_CLUSTER_NAME", "cluster.name", Kind.TEXT));

    private static Map.Entry<String, Setting> variable(String name, String key, Kind kind) {
        return Map.entry(name, new Setting(key, kind));
    }

    /** Environment variables that set Kafka client properties ({@code relay.kafka}) of every Kafka client. */
    public static final Map<String, String> KAFKA_ENVIRONMENT = Map.of(
            "ORDO_KAFKA_SECURITY_PROTOCOL", "security.protocol",
            "ORDO_KAFKA_SASL_MECHANISM", "sasl.mechanism",
            "ORDO_KAFKA_SASL_JAAS_CONFIG", "sasl.jaas.config",
            "ORDO_KAFKA_TRUSTSTORE_LOCATION", "ssl.truststore.location",
            "ORDO_KAFKA_TRUSTSTORE_PASSWORD", "ssl.truststore.password");

    public static OrdoConfig fromJson(JsonObject json) {
        Mode mode = Mode.valueOf(json.getString("mode", "embedded").toUpperCase());
        JsonObject embedded = json.getJsonObject("embedded", new JsonObject());
        JsonObject http = json.getJsonObject("http", new JsonObject());
        JsonObject aggregates = json.getJsonObject("aggregates", new JsonObject());
        JsonObject relay = json.getJsonObject("relay", new JsonObject());
        JsonObject projections = json.getJsonObject("projections", new JsonObject());
        JsonObject storeSection = json.getJsonObject("store", new JsonObject());
        JsonObject cluster = json.getJsonObject("cluster", new JsonObject());
        int shards = cluster.getInteger("shards", StoreConfig.DEFAULT_SHARDS);
        // The store partitions the polling index by the shards; they are the cluster's setting.
        storeSection = storeSection.copy().put("shards", shards);
        if (mode == Mode.EMBEDDED) {
            // The store and the relay use the children Ordo starts, on whatever ports they were given.
            storeSection = storeSection.copy().put("contactPoints",
                    new JsonArray().add("127.0.0.1:" + embedded.getInteger("cassandraCqlPort", 9042)));
            relay = relay.copy().put("bootstrapServers", "127.0.0.1:" + embedded.getInteger("kafkaPort", 9092));
        }
        StoreConfig store = StoreConfig.fromJson(storeSection);
        long writeTimeout = store.requestTimeout().toMillis();
        return new OrdoConfig(
                mode,
                new Embedded(Path.of(embedded.getString("dataDir", "data")),
                        embedded.getInteger("cassandraCqlPort", 9042),
                        embedded.getInteger("cassandraStoragePort", 7000),
                        embedded.getString("cassandraHeap", "512m"),
                        embedded.getInteger("kafkaPort", 9092),
                        embedded.getInteger("kafkaControllerPort", 9093),
                        embedded.getString("kafkaHeap", "512m"),
                        CassandraOptions.CommitLogSync.of(embedded.getString("commitLogSync", "batch"),
                                // The window of group, the interval of periodic (batch has none).
                                Duration.ofMillis(embedded.getLong("commitLogSyncMs",
                                        "periodic".equalsIgnoreCase(embedded.getString("commitLogSync", "batch")) ? 10_000L : 10L)))),
                new Http(http.getBoolean("enabled", true), http.getString("host", "0.0.0.0"),
                        http.getInteger("port", 8080), http.getInteger("instances", 2),
                        http.getLong("bodyLimitBytes", 65_536L), http.getInteger("wsMaxQueuedBytes", 1 << 20)),
                new Aggregates(positive(aggregates.getInteger("instances", 4), "aggregates.instances"),
                        positive(aggregates.getInteger("cacheSize", 10_000), "aggregates.cacheSize"),
                        aggregates.getInteger("maxRetries", 5), aggregates.getBoolean("groupCommit", true),
                        positive(aggregates.getInteger("maxBatch", 64), "aggregates.maxBatch"),
                        positive(aggregates.getLong("claimLeaseMs", 10 * store.requestTimeout().toMillis()),
                                "aggregates.claimLeaseMs")),
                store,
                positive(storeSection.getInteger("instances", 2), "store.instances"),
                new Relay(relay.getBoolean("enabled", true),
                        relay.getBoolean("fastPath", true),
                        relay.getString("bootstrapServers", "127.0.0.1:9092"),
                        relay.getLong("pollIntervalMs", 500L),
                        Math.max(relay.getLong("pollDelayMs", writeTimeout + 1_000), writeTimeout),
                        relay.getLong("verificationWindowMs", 2 * writeTimeout),
                        relay.getInteger("initialLookbackMinutes", 60),
                        relay.getInteger("breakerMaxFailures", 3),
                        relay.getLong("breakerResetTimeoutMs", 5_000L),
                        relay.getInteger("maxRecordBytes", 1_048_576),
                        relay.getLong("cdcQueryWindowMs", 5_000L),
                        Math.max(relay.getLong("cdcConfidenceWindowMs", writeTimeout), writeTimeout),
                        relay.getInteger("cdcWorkers", 2),
                        strings(relay.getJsonObject("kafka", new JsonObject())),
                        positive(relay.getInteger("maxConcurrentAggregates", 256), "relay.maxConcurrentAggregates")),
                new Projections(projections.getBoolean("enabled", true) && relay.getBoolean("enabled", true),
                        // Two deployments under their own prefixes never share a group, even on one topic.
                        projections.getString("consumerGroup", eventBusPrefix(json) + "-projections"),
                        positive(projections.getInteger("maxAttempts", 5), "projections.maxAttempts"),
                        projections.getLong("retryBackoffMs", 200L),
                        positive(projections.getInteger("cacheSize", 10_000), "projections.cacheSize"),
                        projections.getLong("readYourWritesTimeoutMs", 5_000L),
                        positive(projections.getInteger("rebuildConcurrency", 16), "projections.rebuildConcurrency")),
                json.getJsonObject("ops", new JsonObject()).getString("token"),
                json.getJsonObject("ops", new JsonObject()).getLong("readyMaxBacklogMs", 60_000L),
                eventLoops(json.getInteger("eventLoops", 0), mode),
                positive(json.getLong("shutdownTimeoutMs", 30_000L), "shutdownTimeoutMs"),
                eventBusPrefix(json),
                new Cluster(cluster.getBoolean("enabled", false), cluster.getString("host", "127.0.0.1"),
                        cluster.getInteger("port", 5701), cluster.getInteger("eventBusPort", 0),
                        strings(cluster.getJsonArray("members", new JsonArray())), shards,
                        cluster.getString("name", "ordo"),
                        positive(cluster.getLong("heartbeatTimeoutMs", 10_000L), "cluster.heartbeatTimeoutMs")));
    }

    private static java.util.List<String> strings(JsonArray json) {
        java.util.List<String> strings = new java.util.ArrayList<>();
        json.forEach(item -> strings.add(String.valueOf(item).strip()));
        return strings;
    }

    private static String eventBusPrefix(JsonObject json) {
        return json.getJsonObject("eventBus", new JsonObject()).getString("prefix", "ordo");
    }

    /**
     * Event loops for the Vert.x that {@code OrdoMain} creates (a host application sizes its own).
     * 0 picks: Vert.x's default (2 per core) against remote clusters; half the cores in embedded mode,
     * where Cassandra and Kafka run on the same cores and every extra loop is one more thread
     * waking up to hand a command on (HttpBenchmark on 2 cores, settled: 191 µs of Ordo's CPU per
     * command and 0.77x of raw appends with 1 loop, 270 µs and 0.67x with 4).
     */
    private static int eventLoops(int configured, Mode mode) {
        if (configured < 0) {
            throw new IllegalArgumentException("eventLoops must be >= 0 (0: chosen by mode), was " + configured);
        }
        if (configured > 0) {
            return configured;
        }
        return mode == Mode.EMBEDDED ? eventLoopsBesideDatabase() : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    }

    /** Half the cores, at least one: what Ordo takes when the database shares its machine. */
    public static int eventLoopsBesideDatabase() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /**
     * Applies the environment overrides of {@link #ENVIRONMENT} to a configuration document.
     *
     * @throws IllegalArgumentException naming the variable, never repeating its value, if a numeric or
     *     boolean variable holds something else
     */
    public static JsonObject withEnvironment(JsonObject json, Map<String, String> environment) {
        JsonObject merged = json.copy();
        ENVIRONMENT.forEach((variable, setting) -> {
            String value = environment.get(variable);
            if (value == null || value.isBlank()) {
                return;
            }
            String[] path = setting.key().split("\\.");
            JsonObject section = merged;
            for (int i = 0; i < path.length - 1; i++) {
                if (!(section.getValue(path[i]) instanceof JsonObject)) {
                    section.put(path[i], new JsonObject());
                }
                section = section.getJsonObject(path[i]);
            }
            section.put(path[path.length - 1], typed(variable, setting, value));
        });
        KAFKA_ENVIRONMENT.forEach((variable, property) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                if (!(merged.getValue("relay") instanceof JsonObject)) {
                    merged.put("relay", new JsonObject());
                }
                JsonObject relay = merged.getJsonObject("relay");
                if (!(relay.getValue("kafka") instanceof JsonObject)) {
                    relay.put("kafka", new JsonObject());
                }
                relay.getJsonObject("kafka").put(property, value);
            }
        });
        return merged;
    }

    private static Object typed(String variable, Setting setting, String value) {
        String text = value.strip();
        // Errors name the variable but never carry its value (nor a parser's message, which would).
        String invalid = variable + " (" + setting.key() + ") must be ";
        try {
            return switch (setting.kind()) {
                case TEXT -> value;
                case INT -> Integer.parseInt(text);
                case LONG -> Long.parseLong(text);
                case BOOLEAN -> {
                    if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                        throw new IllegalArgumentException(invalid + "true or false");
                    }
                    yield Boolean.parseBoolean(text);
                }
                case LIST -> {
                    JsonArray items = new JsonArray();
                    for (String item : text.split(",")) {
                        items.add(item.strip());
                    }
                    yield items;
                }
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(invalid + "a whole number"
                    + (setting.kind() == Kind.INT ? " from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE : ""));
        }
    }

    private static Map<String, String> strings(JsonObject json) {
        Map<String, String> strings = new HashMap<>();
        json.forEach(entry -> strings.put(entry.getKey(), String.valueOf(entry.getValue())));
        return strings;
    }

    private static long positive(long value, String key) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be >= 1, was " + value);
        }
        return value;
    }

    private static int positive(int value, String key) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be >= 1, was " + value);
        }
        return value;
    }
}
