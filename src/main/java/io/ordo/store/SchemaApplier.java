package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.ordo.module.AggregateModule;
import io.ordo.module.Modules;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates the keyspace and applies the versioned schema files of {@code schema/} (shipped in the
 * jar) that this keyspace has not seen yet, recording each in {@code schema_version}. Every
 * statement is idempotent, so two instances starting together do no harm.
 */
public final class SchemaApplier {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaApplier.class);

    /** The versioned schema files, oldest first. A change to the schema is a new file here. */
    static final List<String> MIGRATIONS = List.of("V1__initial.cql", "V2__read_models.cql", "V3__claims_and_modules.cql",
            "V4__shards.cql");

    private static final Pattern MIGRATION_NAME = Pattern.compile("V(\\d+)__(\\w+)\\.cql");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");

    private final Vertx vertx;
    private final CqlSession session;
    private final StoreConfig config;
    private final Modules modules;

    public SchemaApplier(Vertx vertx, CqlSession session, StoreConfig config, Modules modules) {
        this.vertx = vertx;
        this.session = session;
        this.config = config;
        this.modules = modules;
    }

    /**
     * Creates the keyspace, then applies the pending core schema versions in order, then each module's
     * (in registration order), each recorded under the module's aggregate type.
     */
    public Future<Void> apply() {
        // Reading the files from the jar is blocking I/O: done once, off the event loop.
        return vertx.executeBlocking(this::readFiles)
                .compose(files -> run(files.keyspace())
                        .compose(v -> run(files.schemaVersion()))
                        .compose(v -> appliedVersions())
                        .compose(applied -> applyPending(files.migrations(), applied))
                        .compose(v -> applyModules(files.modules())));
    }

    private record Migration(int version, String description, String checksum, List<String> statements) {
    }

    private record SchemaFiles(List<String> keyspace, List<String> schemaVersion, List<Migration> migrations,
                               Map<String, List<Migration>> modules) {
    }

    private SchemaFiles readFiles() {
        Map<String, List<Migration>> byModule = new java.util.LinkedHashMap<>();
        for (AggregateModule<?, ?, ?> module : modules.all()) {
            // A module's files are its own resources, read through its class (a host's class loader may be another).
            byModule.put(module.decider().aggregateType(), readMigrations(module.getClass(), module.schemaFiles().stream()
                    .map(file -> "/" + file).toList()));
        }
        return new SchemaFiles(statementsOf("keyspace.cql"), statementsOf("schema_version.cql"),
                readMigrations(SchemaApplier.class, MIGRATIONS.stream().map(file -> "/schema/" + file).toList()), byModule);
    }

    /** The modules' files: each version not yet recorded for its module is applied and recorded. */
    private Future<Void> applyModules(Map<String, List<Migration>> byModule) {
        Future<Void> chain = Future.succeededFuture();
        for (Map.Entry<String, List<Migration>> module : byModule.entrySet()) {
            chain = chain.compose(v -> appliedVersions(module.getKey())).compose(applied -> {
                Future<Void> steps = Future.succeededFuture();
                for (Migration migration : module.getValue()) {
                    if (applied.containsKey(migration.version())) {
                        continue;
                    }
                    steps = steps.compose(v -> run(migration.statements()))
                            .compose(v -> recordModule(module.getKey(), migration))
                            .onSuccess(v -> LOG.info("Applied schema version {} ({}) of module {} to keyspace {}",
                                    migration.version(), migration.description(), module.getKey(), config.keyspace()));
                }
                return steps;
            });
        }
        return chain;
    }

    private Future<Map<Integer, String>> appliedVersions(String module) {
        SimpleStatement select = SimpleStatement.newInstance("SELECT version, checksum FROM " + config.keyspace()
                + ".module_schema_version WHERE module = ?", module);
        return Cql.future(vertx, session.executeAsync(select)).map(rows -> {
            Map<Integer, String> applied = new HashMap<>();
            for (Row row : rows.currentPage()) {
                applied.put(row.getInt("version"), row.getString("checksum"));
            }
            return applied;
        });
    }

    private Future<Void> recordModule(String module, Migration migration) {
        SimpleStatement insert = SimpleStatement.newInstance("INSERT INTO " + config.keyspace()
                        + ".module_schema_version (module, version, description, checksum, applied_at) VALUES (?, ?, ?, ?, ?)",
                module, migration.version(), migration.description(), migration.checksum(), Instant.now());
        return Cql.future(vertx, session.executeAsync(insert)).mapEmpty();
    }

    /** Reads the versioned files (classpath resources, named {@code .../V<n>__<description>.cql}), in order. */
    private List<Migration> readMigrations(Class<?> owner, List<String> resources) {
        List<Migration> migrations = new ArrayList<>();
        for (String resource : resources) {
            String file = resource.substring(resource.lastIndexOf('/') + 1);
            Matcher name = MIGRATION_NAME.matcher(file);
            if (!name.matches()) {
                throw new IllegalStateException("schema file " + resource + " is not named V<n>__<description>.cql");
            }
            String text = read(owner, resource);
            migrations.add(new Migration(Integer.parseInt(name.group(1)), name.group(2), sha256(text),
                    statements(substitute(text))));
        }
        return migrations;
    }

    /** The versions the keyspace records as applied, with their files' checksums. */
    Future<Map<Integer, String>> appliedVersions() {
        SimpleStatement select = SimpleStatement.newInstance(
                "SELECT version, checksum FROM " + config.keyspace() + ".schema_version");
        return Cql.future(vertx, session.executeAsync(select)).map(rows -> {
            Map<Integer, String> applied = new HashMap<>();
            for (Row row : rows.currentPage()) {
                applied.put(row.getInt("version"), row.getString("checksum"));
            }
            return applied;
        });
    }

    private Future<Void> applyPending(List<Migration> migrations, Map<Integer, String> applied) {
        Future<Void> chain = Future.succeededFuture();
        for (Migration migration : migrations) {
            String checksum = applied.get(migration.version());
            if (checksum != null) {
                if (!checksum.equals(migration.checksum())) {
                    LOG.warn("Schema version {} was applied from a different file (checksum {} here, {} recorded): "
                            + "schema files must not change once released", migration.version(), migration.checksum(),
                            checksum);
                }
                continue;
            }
            chain = chain.compose(v -> run(migration.statements()))
                    .compose(v -> record(migration))
                    .onSuccess(v -> LOG.info("Applied schema version {} ({}) to keyspace {}",
                            migration.version(), migration.description(), config.keyspace()));
        }
        return chain;
    }

    private Future<Void> record(Migration migration) {
        SimpleStatement insert = SimpleStatement.newInstance("INSERT INTO " + config.keyspace()
                        + ".schema_version (version, description, checksum, applied_at) VALUES (?, ?, ?, ?)",
                migration.version(), migration.description(), migration.checksum(), Instant.now());
        return Cql.future(vertx, session.executeAsync(insert)).mapEmpty();
    }

    /** One statement after another: DDL must not race itself. */
    private Future<Void> run(List<String> statements) {
        Future<Void> chain = Future.succeededFuture();
        for (String cql : statements) {
            chain = chain.compose(v -> Cql.future(vertx, session.executeAsync(SimpleStatement.newInstance(cql)
                    .setTimeout(config.requestTimeout().multipliedBy(3)))).mapEmpty());
        }
        return chain;
    }

    private List<String> statementsOf(String file) {
        return statements(substitute(read(SchemaApplier.class, "/schema/" + file)));
    }

    /** Fills the placeholders; an unknown one is an error rather than CQL that half works. */
    String substitute(String text) {
        Map<String, String> values = Map.of(
                "keyspace", config.keyspace(),
                "replication", config.replication(),
                "keyspace_options", config.dialect().keyspaceOptions(),
                "outbox_options", config.dialect().outboxOptions(),
                "outbox_ttl_seconds", Long.toString(config.outboxTtl().toSeconds()));
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            if (value == null) {
                throw new IllegalStateException("unknown schema placeholder ${" + matcher.group(1) + "}");
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** Splits a file into statements: comments dropped, each statement ends with ';' at a line's end. */
    static List<String> statements(String text) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String statement = current.toString().strip();
                statements.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("schema file ends with an unterminated statement: " + current);
        }
        return statements;
    }

    private static String read(Class<?> owner, String file) {
        try (InputStream in = owner.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("schema file " + file + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
