package io.ordo.outbox;

import com.scylladb.cdc.cql.CQLConfiguration;
import com.scylladb.cdc.model.GenerationId;
import com.scylladb.cdc.model.Timestamp;
import com.scylladb.cdc.model.worker.TaskState;
import io.ordo.store.StoreConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Date;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Where a first start reads from, and the CDC session's settings. */
class CdcStartTest {

    private static final long GENERATION_START = 1_700_000_000_000L;
    private static final GenerationId GENERATION = new GenerationId(new Timestamp(new Date(GENERATION_START)));

    @Test
    void aFirstStartReadsFromTheLookBack() {
        long floor = GENERATION_START + 3_600_000;
        TaskState first = CdcTransport.firstPosition(GENERATION, floor, 5_000);
        assertEquals(new TaskState(new Timestamp(new Date(floor)), new Timestamp(new Date(floor + 5_000)), Optional.empty()), first);
    }

    @Test
    void neverBeforeTheGenerationStarted() {
        TaskState first = CdcTransport.firstPosition(GENERATION, GENERATION_START - 3_600_000, 5_000);
        assertEquals(TaskState.createInitialFor(GENERATION, 5_000), first, "the library's own start");
        assertEquals(TaskState.createInitialFor(GENERATION, 5_000), CdcTransport.firstPosition(GENERATION, Long.MIN_VALUE, 5_000));
    }

    @Test
    void theSessionReadsAtLocalQuorumAndTrustsTheJvmTrustStoreWithoutAPassword() {
        StoreConfig store = StoreConfig.fromJson(new JsonObject().put("dialect", "scylla").put("tls", true)
                .put("localDatacenter", "dc1").put("contactPoints", new JsonArray().add("10.0.0.1:9142")));
        CQLConfiguration cql = ScyllaCdcSource.cqlConfiguration(store);
        assertEquals(CQLConfiguration.ConsistencyLevel.LOCAL_QUORUM, cql.getConsistencyLevel());
        assertEquals("dc1", cql.getLocalDCName());
        assertEquals("JDK", cql.sslConfig.sslProviderString);
        // Left to the JDK's default trust manager (javax.net.ssl.trustStore, with or without a password):
        // the library's own loading of a trust store crashes without a password.
        assertNull(cql.sslConfig.trustStorePath);
        assertNull(cql.sslConfig.keyStorePath);
        assertNull(ScyllaCdcSource.cqlConfiguration(StoreConfig.fromJson(new JsonObject())).sslConfig, "no TLS: no SslConfig");
    }
}
