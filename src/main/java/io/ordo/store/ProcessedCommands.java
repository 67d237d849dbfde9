package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Instant;
import java.util.UUID;

/** Idempotency keys and the answer their command got, kept a week. */
public final class ProcessedCommands {

    /**
     * @param requestHash tells a replay of the same request from a reuse of the key for another
     * @param response    the outcome, as the command side encodes it
     */
    public record ProcessedCommand(String key, UUID aggregateId, String commandType, String requestHash, String response) {
    }

    private final Vertx vertx;
    private final CqlSession session;
    private final Statements cql;

    public ProcessedCommands(Vertx vertx, CqlSession session, Statements cql) {
        this.vertx = vertx;
        this.session = session;
        this.cql = cql;
    }

    /** The command recorded under {@code key}, or null. */
    public Future<ProcessedCommand> find(String key) {
        return Cql.future(vertx, session.executeAsync(cql.selectProcessedCommand().bind().setString("idempotency_key", key)))
                .map(rows -> {
                    Row row = rows.one();
                    return row == null ? null : new ProcessedCommand(key, row.getUuid("aggregate_id"),
                            row.getString("command_type"), row.getString("request_hash"), row.getString("response"));
                });
    }

    public Future<Void> record(ProcessedCommand command) {
        return Cql.future(vertx, session.executeAsync(cql.insertProcessedCommand().bind()
                        .setString("idempotency_key", command.key())
                        .setUuid("aggregate_id", command.aggregateId())
                        .setString("command_type", command.commandType())
                        .setString("request_hash", command.requestHash())
                        .setString("response", command.response())
                        .setInstant("created_at", Instant.now())))
                .mapEmpty();
    }
}
