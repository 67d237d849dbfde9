package io.ordo.store;

/**
 * The CQL database Ordo runs on. The schema is the same for both; only these table and keyspace
 * options differ.
 */
public enum Dialect {

    /** Apache Cassandra: the embedded default and the tests. No CDC: the polling relay reads an index. */
    CASSANDRA("", "", OutboxIntent.POLLING_INDEX),

    /**
     * ScyllaDB: LWT and CDC need vnode keyspaces (tablets off); the outbox is read from its CDC log,
     * whose entries live a day and carry only the key columns (the relay reads the event from the store).
     */
    SCYLLA(" AND tablets = {'enabled': false}",
            " AND cdc = {'enabled': true, 'delta': 'keys', 'preimage': false, 'postimage': false, 'ttl': 86400}",
            OutboxIntent.OUTBOX_ROW);

    /**
     * What an append writes before its commit, for the relay's durable source to find (DESIGN.md §2):
     * the {@code outbox_messages} row, which ScyllaDB's CDC log streams, or, on Cassandra, where nothing
     * would read that row, only its entry in the time-bucketed polling index.
     */
    public enum OutboxIntent { OUTBOX_ROW, POLLING_INDEX }

    private final String keyspaceOptions;
    private final String outboxOptions;
    private final OutboxIntent outboxIntent;

    Dialect(String keyspaceOptions, String outboxOptions, OutboxIntent outboxIntent) {
        this.keyspaceOptions = keyspaceOptions;
        this.outboxOptions = outboxOptions;
        this.outboxIntent = outboxIntent;
    }

    public String keyspaceOptions() {
        return keyspaceOptions;
    }

    public String outboxOptions() {
        return outboxOptions;
    }

    public OutboxIntent outboxIntent() {
        return outboxIntent;
    }
}
