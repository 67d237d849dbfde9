package io.ordo.store;

/**
 * The CQL database Ordo runs on. The schema is the same for both; only these table and keyspace
 * options differ.
 */
public enum Dialect {

    /** Apache Cassandra: the embedded default and the tests. No CDC: the polling relay reads an index. */
    CASSANDRA("", "", true),

    /**
     * ScyllaDB: LWT and CDC need vnode keyspaces (tablets off); the outbox is read from its CDC log,
     * whose entries live a day.
     */
    SCYLLA(" AND tablets = {'enabled': false}",
            " AND cdc = {'enabled': true, 'preimage': false, 'postimage': false, 'ttl': 86400}",
            false);

    private final String keyspaceOptions;
    private final String outboxOptions;
    private final boolean writesOutboxIndex;

    Dialect(String keyspaceOptions, String outboxOptions, boolean writesOutboxIndex) {
        this.keyspaceOptions = keyspaceOptions;
        this.outboxOptions = outboxOptions;
        this.writesOutboxIndex = writesOutboxIndex;
    }

    public String keyspaceOptions() {
        return keyspaceOptions;
    }

    public String outboxOptions() {
        return outboxOptions;
    }

    /** Whether appends also index outbox rows by minute, for the polling relay. */
    public boolean writesOutboxIndex() {
        return writesOutboxIndex;
    }
}
