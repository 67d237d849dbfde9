package io.ordo.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedCassandraIT {

    @TempDir
    Path tmp;

    private CassandraOptions options(Path dataDir) {
        return CassandraOptions.defaults(dataDir)
                .withPorts(EmbeddedCassandra.freePort(), EmbeddedCassandra.freePort())
                .withStartTimeout(Duration.ofSeconds(120));
    }

    private static CqlSession connect(EmbeddedCassandra cassandra) {
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                // Default 1 s debounce makes every DDL wait about a second.
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ofMillis(10))
                .build();
        return CqlSession.builder()
                .addContactPoint(cassandra.contactPoint())
                .withLocalDatacenter(EmbeddedCassandra.LOCAL_DATACENTER)
                .withConfigLoader(config)
                .build();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    @Timeout(300)
    void startsAnswersConditionalBatchAndStops() throws Exception {
        EmbeddedCassandra cassandra = new EmbeddedCassandra(options(tmp.resolve("node")));
        long pid;
        try (cassandra) {
            long t0 = System.nanoTime();
            cassandra.start();
            System.out.printf("TIMING start (resolve + launch + CQL ready): %d ms%n", ms(t0));
            pid = cassandra.pid();
            assertTrue(alive(pid));
            assertEquals(Long.toString(pid), Files.readString(cassandra.pidFile()).trim());

            try (CqlSession session = connect(cassandra)) {
                session.execute("CREATE KEYSPACE ordo_test WITH replication = "
                        + "{'class': 'SimpleStrategy', 'replication_factor': 1}");
                // Static column = per-partition version guard; cdc = true proves cdc_enabled took effect.
                session.execute("CREATE TABLE ordo_test.t (pk text, seq int, version bigint static, "
                        + "payload text, PRIMARY KEY (pk, seq)) WITH cdc = true");

                PreparedStatement guardNull = session.prepare(
                        "UPDATE ordo_test.t SET version = ? WHERE pk = ? IF version = null");
                PreparedStatement guardEq = session.prepare(
                        "UPDATE ordo_test.t SET version = ? WHERE pk = ? IF version = ?");
                PreparedStatement append = session.prepare(
                        "INSERT INTO ordo_test.t (pk, seq, payload) VALUES (?, ?, ?)");

                ResultSet first = session.execute(BatchStatement.newInstance(DefaultBatchType.LOGGED,
                        guardNull.bind(1L, "agg-1"), append.bind("agg-1", 1, "created")));
                assertTrue(first.wasApplied(), "first append applies");
                assertTrue(first.one().getBoolean("[applied]"));

                ResultSet conflict = session.execute(BatchStatement.newInstance(DefaultBatchType.LOGGED,
                        guardNull.bind(1L, "agg-1"), append.bind("agg-1", 1, "duplicate")));
                Row current = conflict.one();
                assertFalse(current.getBoolean("[applied]"), "second 'IF version = null' must lose");
                assertEquals(1L, current.getLong("version"));

                ResultSet next = session.execute(BatchStatement.newInstance(DefaultBatchType.LOGGED,
                        guardEq.bind(2L, "agg-1", 1L), append.bind("agg-1", 2, "renamed")));
                assertTrue(next.wasApplied());

                assertEquals(2, session.execute("SELECT * FROM ordo_test.t WHERE pk = 'agg-1'").all().size());
                assertEquals("created", session.execute(
                        "SELECT payload FROM ordo_test.t WHERE pk = 'agg-1' AND seq = 1").one().getString(0));
            }

            long t1 = System.nanoTime();
            cassandra.stop();
            System.out.printf("TIMING stop: %d ms%n", ms(t1));
        }
        assertFalse(cassandra.isRunning());
        assertFalse(alive(pid), "child process must be gone");
        assertFalse(Files.exists(cassandra.pidFile()), "pid file removed");
        assertPortFree(cassandra.options().cqlPort());
        cassandra.close(); // idempotent
    }

    @Test
    @Timeout(300)
    void leftoverChildOnSameDataDirIsStopped() throws Exception {
        CassandraOptions opts = options(tmp.resolve("node"));
        EmbeddedCassandra forgotten = new EmbeddedCassandra(opts);
        EmbeddedCassandra second = new EmbeddedCassandra(opts);
        try {
            forgotten.start();
            long leftoverPid = forgotten.pid();
            // "Forget" the handle, as a crashed owner would: the pid file is all that is left.

            long t0 = System.nanoTime();
            second.start();
            System.out.printf("TIMING start over a leftover (stop leftover + restart on data): %d ms%n", ms(t0));
            assertFalse(alive(leftoverPid), "leftover must be stopped");
            assertNotEquals(leftoverPid, second.pid());
            assertEquals(Long.toString(second.pid()), Files.readString(second.pidFile()).trim());

            try (CqlSession session = connect(second)) {
                assertEquals("5.0.9", session.execute("SELECT release_version FROM system.local")
                        .one().getString(0));
            }
            long secondPid = second.pid();
            second.stop();
            assertFalse(alive(secondPid));
        } finally {
            second.close();
            forgotten.close(); // its child is already dead; must not touch the pid file of another
        }
    }

    @Test
    void stalePidFileIsIgnoredAndTakenPortFailsBeforeLaunch() throws Exception {
        Path dataDir = Files.createDirectories(tmp.resolve("node"));
        // A live pid that is not Cassandra (this JVM): must be left alone, file treated as stale.
        Files.writeString(dataDir.resolve(EmbeddedCassandra.PID_FILE_NAME),
                ProcessHandle.current().pid() + "\n");
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CassandraOptions opts = CassandraOptions.defaults(dataDir)
                    .withPorts(squatter.getLocalPort(), EmbeddedCassandra.freePort());
            EmbeddedCassandra cassandra = new EmbeddedCassandra(opts);
            IOException e = assertThrows(IOException.class, cassandra::start);
            assertTrue(e.getMessage().contains("CQL (native transport) port 127.0.0.1:"
                    + squatter.getLocalPort() + " is already in use"), e.getMessage());
            assertFalse(cassandra.isRunning());
            assertFalse(Files.exists(cassandra.pidFile()), "stale pid file removed");
            assertFalse(Files.exists(dataDir.resolve("cassandra.yaml")), "failed before writing config");
        }
    }

    @Test
    @Timeout(120)
    void childThatDiesFailsFastWithItsOutput() {
        // A 1 KiB heap makes the child JVM exit at once: exercises the "died before ready" path.
        EmbeddedCassandra cassandra =
                new EmbeddedCassandra(options(tmp.resolve("node")).withHeap("1k"));
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, cassandra::start);
        assertTrue(ms(t0) < 60_000);
        assertTrue(e.getMessage().contains("exited with code"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("heap"), e.getMessage());
        assertFalse(cassandra.isRunning());
        assertFalse(Files.exists(cassandra.pidFile()));
    }

    private static void assertPortFree(int port) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
