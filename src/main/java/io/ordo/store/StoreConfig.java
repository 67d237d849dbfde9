package io.ordo.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the store needs to know, read once from the {@code store} section of the configuration.
 *
 * @param contactPoints     {@code host:port} of the CQL nodes
 * @param replication       the keyspace's replication map, in CQL
 * @param consistency       for reads and writes (LOCAL_QUORUM)
 * @param serialConsistency for the conditional batch and serial reads (LOCAL_SERIAL)
 * @param maxConcurrentRequests requests the session runs at once; more wait in the driver's queue
 * @param snapshotEvery     an aggregate is snapshotted each time its version crosses a multiple of this
 * @param pageSize          rows per page when reading an event stream
 * @param topics            Kafka topics by aggregate type that replace the modules' own (a type mapped to
 *                          null has none: its events become the relay's dead letters)
 * @param tls               connect with TLS, trusting the JVM's trust store
 * @param shards            the aggregates' shards ({@code cluster.shards}), by which the polling index is partitioned
 */
public record StoreConfig(
        List<InetSocketAddress> contactPoints,
        String localDatacenter,
        String keyspace,
        Dialect dialect,
        String replication,
        ConsistencyLevel consistency,
        ConsistencyLevel serialConsistency,
        Duration requestTimeout,
        int maxConcurrentRequests,
        int snapshotEvery,
        int pageSize,
        Duration outboxTtl,
        Map<String, String> topics,
        String username,
        String password,
        boolean tls,
        int shards) {

    /**
     * Shards of the aggregates (a fleet's unit of ownership, see {@code cluster.shards}): the polling index is
     * partitioned by them, so every instance on one keyspace must use the same count.
     */
    public static final int DEFAULT_SHARDS = 16;

    public static final String DEFAULT_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

    public StoreConfig {
        Objects.requireNonNull(localDatacenter, "localDatacenter");
        Objects.requireNonNull(dialect, "dialect");
        contactPoints = List.copyOf(contactPoints);
        topics = java.util.Collections.unmodifiableMap(new HashMap<>(topics)); // null values: no topic
        if (contactPoints.isEmpty()) {
            throw new IllegalArgumentException("store.contactPoints must name at least one host:port");
        }
        if (keyspace == null || !keyspace.matches("[a-z][a-z0-9_]{0,47}")) {
            throw new IllegalArgumentException("store.keyspace must be a lower-case CQL identifier, was " + keyspace);
        }
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("store.snapshotEvery must be >= 1, was " + snapshotEvery);
        }
        if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("store.maxConcurrentRequests must be >= 1, was " + maxConcurrentRequests);
        }
        if (shards < 1 || shards > 4096) {
            throw new IllegalArgumentException("cluster.shards must be 1 to 4096, was " + shards);
        }
        if (pageSize < 1) {
            throw new IllegalArgumentException("store.pageSize must be >= 1, was " + pageSize);
        }
    }

    /** Reads the {@code store} section; every key is optional and defaults to the embedded node's. */
    public static StoreConfig fromJson(JsonObject json) {
        List<InetSocketAddress> points = new ArrayList<>();
        JsonArray configured = json.getJsonArray("contactPoints", new JsonArray().add("127.0.0.1:9042"));
        for (Object point : configured) {
            points.add(hostAndPort(String.valueOf(point)));
        }
        JsonObject topics = json.getJsonObject("topics", new JsonObject());
        Map<String, String> topicMap = new HashMap<>();
        topics.forEach(entry -> topicMap.put(entry.getKey(), entry.getValue() == null ? null : String.valueOf(entry.getValue())));
        return new StoreConfig(
                points,
                json.getString("localDatacenter", "datacenter1"),
                json.getString("keyspace", "ordo"),
                Dialect.valueOf(json.getString("dialect", "cassandra").toUpperCase()),
                json.getString("replication", DEFAULT_REPLICATION),
                DefaultConsistencyLevel.valueOf(json.getString("consistency", "LOCAL_QUORUM")),
                DefaultConsistencyLevel.valueOf(json.getString("serialConsistency", "LOCAL_SERIAL")),
                Duration.ofMillis(json.getLong("requestTimeoutMs", 10_000L)),
                json.getInteger("maxConcurrentRequests", 1_024),
                json.getInteger("snapshotEvery", 100),
                json.getInteger("pageSize", 1_000),
                Duration.ofSeconds(json.getLong("outboxTtlSeconds", 7L * 24 * 3600)),
                topicMap,
                json.getString("username"),
                json.getString("password"),
                json.getBoolean("tls", false),
                json.getInteger("shards", DEFAULT_SHARDS));
    }

    public StoreConfig withKeyspace(String newKeyspace) {
        return new StoreConfig(contactPoints, localDatacenter, newKeyspace, dialect, replication, consistency,
                serialConsistency, requestTimeout, maxConcurrentRequests, snapshotEvery, pageSize, outboxTtl, topics, username, password, tls, shards);
    }

    public StoreConfig withSnapshotEvery(int every) {
        return new StoreConfig(contactPoints, localDatacenter, keyspace, dialect, replication, consistency,
                serialConsistency, requestTimeout, maxConcurrentRequests, every, pageSize, outboxTtl, topics, username, password, tls, shards);
    }

    /** Never the password: configurations end up in logs. */
    @Override
    public String toString() {
        return "StoreConfig[contactPoints=" + contactPoints + ", localDatacenter=" + localDatacenter + ", keyspace=" + keyspace
                + ", dialect=" + dialect + ", username=" + username + ", password=" + (password == null ? "none" : "***")
                + ", tls=" + tls + "]";
    }

    /** The topic that an aggregate type's events go to. */
    private static InetSocketAddress hostAndPort(String value) {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            return InetSocketAddress.createUnresolved(value, 9042);
        }
        return InetSocketAddress.createUnresolved(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
    }
}
