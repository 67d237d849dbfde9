package io.ordo.projection;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A question a module's routes ask its read model, by name: answered with the JSON the client gets,
 * or null when there is nothing (a summary's 404). Bad parameters fail with an
 * {@link IllegalArgumentException} (a list's foreign cursor: 400 {@code INVALID_CURSOR}).
 */
@FunctionalInterface
public interface ReadQuery {

    Future<JsonObject> run(JsonObject params);
}
