package io.ordo.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Errors as {@code application/problem+json} (RFC 9457): status, title, detail and a stable
 * {@code code}, plus fields such as {@code currentVersion}. Never a stack trace.
 */
public record Problem(int status, String code, String title, String detail, JsonObject extra) {

    public static final String CONTENT_TYPE = "application/problem+json";

    public static Problem of(int status, String code, String title, String detail) {
        return new Problem(status, code, title, detail, new JsonObject());
    }

    public Problem with(String field, Object value) {
        return new Problem(status, code, title, detail, extra.copy().put(field, value));
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject()
                .put("type", "/problems/" + code)
                .put("title", title)
                .put("status", status)
                .put("detail", detail)
                .put("code", code);
        extra.forEach(entry -> json.put(entry.getKey(), entry.getValue()));
        return json;
    }

    public void send(RoutingContext ctx) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (status == 503) {
            ctx.response().putHeader("Retry-After", "1");
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(toJson().encode());
    }

    /** Bad request input: a field, a header or the body itself. */
    public static final class BadRequest extends RuntimeException {
        private final Problem problem;

        public BadRequest(String code, String detail) {
            super(detail, null, false, false);
            this.problem = Problem.of(400, code, "Invalid request", detail);
        }

        public Problem problem() {
            return problem;
        }
    }
}
