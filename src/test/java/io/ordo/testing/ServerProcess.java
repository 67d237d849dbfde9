package io.ordo.testing;

import io.ordo.embedded.ChildJvm;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code target/ordo.jar} as a server JVM of its own, with {@code config} written beside its log in {@code dir}. */
public final class ServerProcess {

    private ServerProcess() {
    }

    /** Starts the server and waits until it answers HTTP on {@code port}; never leaves it behind on failure. */
    public static Process start(Path dir, int port, JsonObject config, String... jvmArguments)
            throws IOException, InterruptedException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, config.encode());
        List<String> command = new ArrayList<>(List.of(ChildJvm.javaExecutable(), "-Dordo.config=" + file));
        command.addAll(List.of(jvmArguments));
        command.addAll(List.of("-jar", Path.of("target", "ordo.jar").toAbsolutePath().toString()));
        Path log = dir.resolve("server.log");
        Process server = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/openapi.yaml")).build(),
                        HttpResponse.BodyHandlers.discarding());
                return server;
            } catch (IOException notYet) {
                if (!server.isAlive()) {
                    throw new AssertionError("the server died at start: " + Files.readString(log));
                }
                Thread.sleep(200);
            }
        }
        server.destroyForcibly();
        throw new AssertionError("the server did not start: " + Files.readString(log));
    }
}
