package io.ordo.testing;

import io.ordo.embedded.ChildJvm;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Ordo servers ({@code target/ordo.jar}, a JVM each) over the tests' one Cassandra and Kafka: members of
 * one cluster, or instances with cluster mode off, all on one keyspace, driven over HTTP. For the cluster
 * tests and the cluster benchmark.
 */
public final class Fleet implements AutoCloseable {

    public static final String TOKEN = "fleet-ops";
    public static final int SHARDS = 16;
    private static final Pattern COUNTER = Pattern.compile("^(ordo_[a-z_]+_total)(?:\\{[^}]*})?\\s+([0-9.eE+-]+)$",
            Pattern.MULTILINE);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A request that got no answer: the server is gone, or did not answer in time. */
    public static final class NoAnswer extends RuntimeException {
        NoAnswer(IOException cause) {
            super(cause);
        }
    }

    private final Path dir;
    private final String keyspace;
    private final int clustered;
    private final int[] httpPorts;
    private final int[] clusterPorts;
    private final Process[] processes;

    /**
     * @param slots     servers this fleet may run, numbered from 0
     * @param clustered the first {@code clustered} slots are cluster members; the others run with cluster mode off
     */
    public Fleet(Path dir, String keyspace, int slots, int clustered) throws IOException {
        this.dir = Files.createDirectories(dir.toAbsolutePath());
        this.keyspace = keyspace;
        this.clustered = clustered;
        this.httpPorts = new int[slots];
        this.clusterPorts = new int[clustered];
        this.processes = new Process[slots];
        for (int i = 0; i < slots; i++) {
            httpPorts[i] = ChildJvm.freePort();
        }
        for (int i = 0; i < clustered; i++) {
            clusterPorts[i] = ChildJvm.freePort();
        }
        TestCassandra.node();
        TestKafka.broker();
    }

    /** Starts servers side by side (the first of them alone, so that it applies the schema first). */
    public void start(int... slots) {
        startOne(slots[0]);
        List<CompletableFuture<Void>> others = java.util.Arrays.stream(slots).skip(1)
                .mapToObj(slot -> CompletableFuture.runAsync(() -> startOne(slot))).toList();
        others.forEach(CompletableFuture::join);
    }

    private void startOne(int slot) {
        try {
            Path home = Files.createDirectories(dir.resolve("server-" + slot));
            processes[slot] = ServerProcess.start(home, httpPorts[slot], config(slot), "-Xmx256m");
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** kill -9 of a server: no shutdown hook runs. */
    public void kill(int slot) {
        Processes.killTree(processes[slot].toHandle());
        processes[slot] = null;
    }

    @Override
    public void close() {
        for (int slot = 0; slot < processes.length; slot++) {
            if (processes[slot] != null && processes[slot].isAlive()) {
                kill(slot);
            }
        }
    }

    private JsonObject config(int slot) {
        JsonObject config = new JsonObject()
                .put("mode", "external")
                .put("eventLoops", 1)
                .put("http", new JsonObject().put("host", "127.0.0.1").put("port", httpPorts[slot]).put("instances", 1))
                .put("aggregates", new JsonObject().put("instances", 2))
                .put("store", new JsonObject().put("contactPoints", new JsonArray().add(TestCassandra.contactPoint()))
                        .put("keyspace", keyspace).put("requestTimeoutMs", 4_000).put("instances", 1))
                .put("relay", new JsonObject().put("bootstrapServers", TestKafka.bootstrapServers())
                        .put("pollIntervalMs", 200).put("verificationWindowMs", 2_000))
                .put("projections", new JsonObject().put("enabled", false))
                .put("ops", new JsonObject().put("token", TOKEN))
                .put("cluster", new JsonObject().put("shards", SHARDS));
        if (slot < clustered) {
            JsonArray members = new JsonArray();
            for (int port : clusterPorts) {
                members.add("127.0.0.1:" + port);
            }
            config.getJsonObject("cluster").put("enabled", true).put("host", "127.0.0.1").put("port", clusterPorts[slot])
                    .put("members", members).put("heartbeatTimeoutMs", 5_000);
        }
        return config;
    }

    /** Until each of {@code members} sees exactly them and serves exactly its shards. */
    public void awaitMembers(Set<Integer> members) {
        for (int member : members) {
            Eventually.until(Duration.ofSeconds(60), "member " + member + " sees " + members.size() + " members and settled",
                    () -> {
                        try {
                            JsonObject cluster = ops(member);
                            return cluster.getJsonArray("members").size() == members.size() && cluster.getBoolean("settled");
                        } catch (RuntimeException | AssertionError e) {
                            return false; // not answering yet
                        }
                    });
        }
    }

    /** {@code GET /ops/cluster} of a server. */
    public JsonObject ops(int slot) {
        HttpResponse<String> response = send(slot, "GET", "/ops/cluster", null, Duration.ofSeconds(5));
        assertEquals(200, response.statusCode(), response.body());
        return new JsonObject(response.body());
    }

    public String registerCustomer(int slot) {
        UUID id = UUID.randomUUID();
        HttpResponse<String> created = send(slot, "POST", "/customers", new JsonObject().put("customerId", id.toString())
                .put("email", "fleet-" + id + "@example.com").put("firstName", "Ann").put("lastName", "Lee").encode(),
                Duration.ofSeconds(30));
        assertEquals(201, created.statusCode(), created.body());
        return id.toString();
    }

    public String createOrder(int slot, String customer, UUID id) {
        HttpResponse<String> created = send(slot, "POST", "/orders", new JsonObject().put("orderId", id.toString())
                .put("customerId", customer).put("items", items(1)).encode(), Duration.ofSeconds(30));
        assertEquals(201, created.statusCode(), created.body());
        return id.toString();
    }

    /** Replaces an order's items, the command carrying {@code reason} (its events name it: a command is found by it). */
    public HttpResponse<String> updateItems(int slot, String order, String reason, Duration timeout) {
        return send(slot, "PUT", "/orders/" + order + "/items",
                new JsonObject().put("items", items(1 + Math.floorMod(reason.hashCode(), 9))).put("reason", reason).encode(),
                timeout);
    }

    private static JsonArray items(int quantity) {
        return new JsonArray().add(new JsonObject().put("productId", UUID.randomUUID().toString()).put("quantity", quantity));
    }

    /** An order's whole stream, page after page. */
    public JsonArray events(int slot, String order) {
        JsonArray all = new JsonArray();
        Object next = 1L;
        while (next != null) {
            HttpResponse<String> response = send(slot, "GET", "/orders/" + order + "/events?limit=1000&from=" + next, null,
                    Duration.ofSeconds(30));
            assertEquals(200, response.statusCode(), response.body());
            JsonObject page = new JsonObject(response.body());
            page.getJsonArray("events").forEach(all::add);
            next = page.getValue("next");
        }
        return all;
    }

    /** The stream's length, checking that its sequence numbers are 1, 2, 3, ... */
    public static int contiguousVersions(JsonArray events) {
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.getJsonObject(i).getLong("sequenceNumber"), "sequence number at " + i);
        }
        return events.size();
    }

    /** Ordo's counters of some servers, summed over their tags and the servers. */
    public Map<String, Double> counters(Set<Integer> slots) {
        Map<String, Double> sums = new HashMap<>();
        for (int slot : slots) {
            Matcher line = COUNTER.matcher(send(slot, "GET", "/metrics", null, Duration.ofSeconds(10)).body());
            while (line.find()) {
                sums.merge(line.group(1), Double.parseDouble(line.group(2)), Double::sum);
            }
        }
        return sums;
    }

    public static double delta(Map<String, Double> before, Map<String, Double> after, String counter) {
        return after.getOrDefault(counter, 0.0) - before.getOrDefault(counter, 0.0);
    }

    /** One request to a server, with the ops token; {@link NoAnswer} when none comes within {@code timeout}. */
    public HttpResponse<String> send(int slot, String method, String path, String body, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[slot] + path))
                .timeout(timeout).header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new NoAnswer(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
