package io.ordo.http;

import io.ordo.es.Aggregate;
import io.ordo.module.AggregateModule;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** An aggregate as clients see it: its id under the module's field, its version and times, then what its module shows of its state. */
final class Representation {

    private Representation() {
    }

    @SuppressWarnings("unchecked")
    static JsonObject of(AggregateModule<?, ?, ?> module, Aggregate<?> aggregate) {
        JsonObject json = new JsonObject().put(module.idField(), aggregate.id().toString())
                .put("version", aggregate.version())
                .put("createdAt", text(aggregate.createdAt()))
                .put("updatedAt", text(aggregate.updatedAt()));
        return json.mergeIn(((AggregateModule<Object, ?, ?>) module).represent(aggregate.state()));
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
