package io.ordo.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PagingState;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The store's session as a module's read side uses it: statements prepared against Ordo's keyspace,
 * run asynchronously (answers on the caller's context), pages for clients with opaque cursors, and
 * full scans a page at a time for a rebuild's sweep. Thread-safe; one per Ordo.
 */
public final class ReadModelSession {

    /** How a scan's page read is run again after a failure (a rebuild's backoff). */
    @FunctionalInterface
    public interface Retry {
        <T> Future<T> run(String what, Supplier<Future<T>> step);
    }

    /** A page of rows for a client, and the cursor of the next one (null at the end). */
    public record Page<T>(List<T> rows, String next) {
    }

    private final Vertx vertx;
    private final CqlSession session;
    private final String keyspace;
    private final ObjectMapper json;

    ReadModelSession(Vertx vertx, CqlSession session, String keyspace, ObjectMapper json) {
        this.vertx = vertx;
        this.session = session;
        this.keyspace = keyspace;
        this.json = json;
    }

    /** The latest of {@code columns}' write times in {@code row} (WRITETIME(...) columns; 0 if none has one): what a sweep deletes at. */
    public static long latestWriteTime(Row row, String... columns) {
        long latest = 0;
        for (String column : columns) {
            if (!row.isNull(column)) {
                latest = Math.max(latest, row.getLong(column));
            }
        }
        return latest;
    }

    public String keyspace() {
        return keyspace;
    }

    /** The JSON mapper the events are stored with: a read model that stores a part of a state as JSON writes it alike. */
    public ObjectMapper json() {
        return json;
    }

    /** Prepares {@code cql}, in which {@code %s} stands for the keyspace ({@code SELECT ... FROM %s.orders}). */
    public Future<PreparedStatement> prepare(String cql) {
        return Cql.future(vertx, session.prepareAsync(cql.formatted(keyspace)));
    }

    public Future<AsyncResultSet> execute(Statement<?> statement) {
        return Cql.future(vertx, session.executeAsync(statement));
    }

    /** Every row of {@code query}, read by {@code read}, page after page. */
    public <T> Future<List<T>> all(Statement<?> query, Function<Row, T> read) {
        List<T> rows = new ArrayList<>();
        return Cql.forEachRow(vertx, session.executeAsync(query), row -> rows.add(read.apply(row))).map(v -> rows);
    }

    /**
     * At most {@code limit} rows of {@code query} from {@code cursor} (null: the first page), and the
     * cursor of the next page: the driver's paging state, which the database checks against the query
     * it came from.
     *
     * @throws IllegalArgumentException when the cursor is not one this query returned
     */
    public <T> Future<Page<T>> page(BoundStatement query, int limit, String cursor, Function<Row, T> read) {
        BoundStatement paged = query.setPageSize(limit);
        if (cursor != null) {
            try {
                paged = paged.setPagingState(PagingState.fromString(cursor), session);
            } catch (RuntimeException e) {
                return Future.failedFuture(new IllegalArgumentException("the cursor is not one this query returned"));
            }
        }
        return execute(paged).map(rows -> {
            List<T> items = new ArrayList<>();
            for (Row row : rows.currentPage()) {
                items.add(read.apply(row));
            }
            PagingState next = rows.hasMorePages() ? rows.getExecutionInfo().getSafePagingState() : null;
            return new Page<>(items, next == null ? null : next.toString());
        });
    }

    /**
     * Hands the rows of {@code scan} (read by {@code read}; null ones skipped) to {@code page}, a page
     * of {@code pageSize} at a time, each after the last one's work completed; each page read is retried
     * as {@code retry} says. A loop: each page is handled on the caller's context as a task of its own,
     * so a scan of millions of rows neither nests futures nor deepens the stack.
     */
    public <T> Future<Void> forEachPage(BoundStatement scan, int pageSize, Retry retry, String what, Function<Row, T> read,
                                        Function<List<T>, Future<Void>> page) {
        Context context = vertx.getOrCreateContext();
        Promise<Void> done = Promise.promise();
        BoundStatement paged = scan.setPageSize(pageSize);
        new Object() {
            void handle(Future<AsyncResultSet> fetched) {
                fetched.compose(rows -> {
                    List<T> items = new ArrayList<>();
                    for (Row row : rows.currentPage()) {
                        T item = read.apply(row);
                        if (item != null) {
                            items.add(item);
                        }
                    }
                    return page.apply(items).map(rows);
                }).onComplete(result -> {
                    if (result.failed()) {
                        done.fail(result.cause());
                    } else if (!result.result().hasMorePages()) {
                        done.complete();
                    } else {
                        AsyncResultSet rows = result.result();
                        // fetchNextPage sends a new request each call, so a failed one can be asked again
                        context.runOnContext(v -> handle(retry.run(what, () -> Cql.future(vertx, rows.fetchNextPage()))));
                    }
                });
            }
        }.handle(retry.run(what, () -> execute(paged)));
        return done.future();
    }
}
