package io.ordo.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Set;
import java.util.UUID;

/**
 * What a module's routes are given: the router to add them to, and the plumbing that turns a request
 * into a command for the module's aggregates (sent over the event bus to the aggregate's owner) or a
 * query of its read model (sent to the store), and the answer back into HTTP, problems included. Bad
 * input that a handler finds is thrown as {@link Problem.BadRequest}; nothing a client sends makes a 500.
 */
public interface Gateway {

    /** How a command's success is answered. */
    enum Answer {
        /** 201, with {@code Location} (under the router's mount point) and the aggregate. */
        CREATED,
        /** 200 and the aggregate. */
        UPDATED
    }

    /** The router to add this module's routes to; paths are relative to where Ordo's router is mounted. */
    Router router();

    /** The request's JSON body, read strictly: only {@code fields}, each as its reader asks. */
    RequestReader body(RoutingContext ctx, Set<String> fields);

    /** The {@code :id} path parameter, a UUID (anything else is 400 {@code INVALID_PARAMETER}). */
    UUID pathId(RoutingContext ctx);

    /**
     * The id of an aggregate a request creates: {@code chosen} (from the body) if given, else one derived
     * from the {@code Idempotency-Key} (so that a retry lands on the same aggregate), else a new one.
     */
    UUID newId(RoutingContext ctx, UUID chosen);

    /**
     * Sends {@code command} to aggregate {@code id} of this module's type, with the request's headers
     * ({@code Idempotency-Key}, {@code If-Match}, {@code X-Correlation-Id}, {@code X-User-Id}), and
     * answers the client: the aggregate, or the problem the processor found.
     */
    void command(RoutingContext ctx, UUID id, Object command, Answer answer);

    /**
     * Answers one aggregate's row of the read model, from the module's query {@code query} (asked with
     * {@code {"id": ...}}), with its {@code version} as the {@code ETag}; with {@code ?minVersion=} it
     * waits for that version first (read-your-writes), then 503 {@code PROJECTION_BEHIND}; nothing found is 404.
     */
    void summary(RoutingContext ctx, String query, UUID id);

    /**
     * Answers a page of the module's list query {@code query}, asked with {@code params} plus
     * {@code limit} ({@code ?limit=}, 1 to 1,000, 50 by default) and {@code cursor} ({@code ?cursor=}):
     * a cursor the query refuses is 400 {@code INVALID_CURSOR}.
     */
    void list(RoutingContext ctx, String query, JsonObject params);
}
