package io.ordo.module;

import io.ordo.es.Decider;
import io.ordo.es.DomainEvent;
import io.ordo.es.RejectionCode;
import io.ordo.es.Upcaster;
import io.ordo.http.Gateway;
import io.ordo.projection.ReadSide;
import io.ordo.store.ReadModelSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One aggregate type on Ordo's machinery: what a host implements, once per aggregate type, and
 * registers with {@code Ordo.builder(vertx, config).module(...)}. Ordo's own orders and customers are
 * registered exactly so. Everything generic (the store, command processing, the relay, projections,
 * HTTP plumbing, metrics) is built from the list of modules and names none of them.
 *
 * @param <S> the aggregate's state
 * @param <C> its commands
 * @param <E> its events
 */
public interface AggregateModule<S, C, E extends DomainEvent> {

    /** The rules: the aggregate type's name, its event types, its initial state, decide and evolve. */
    Decider<S, C, E> decider();

    /** Steps that bring older stored versions of this type's events up to the current ones. */
    default List<Upcaster> upcasters() {
        return List.of();
    }

    /** The Kafka topic of this type's events ({@code store.topics} may name another). */
    String topic();

    /**
     * The name of this type's resources in paths: Ordo serves {@code GET /{collection}/{id}} (now, at
     * {@code ?version=} or {@code ?at=}), {@code GET /{collection}/{id}/events} and the WebSocket feeds
     * {@code /ws/{collection}} and {@code /ws/{collection}/{id}}; a created one's {@code Location}.
     */
    String collection();

    /** The id's field in the state's JSON, e.g. {@code orderId}. */
    String idField();

    /**
     * The state as clients see it, without the id, version and times (Ordo adds {@link #idField()},
     * {@code version}, {@code createdAt} and {@code updatedAt}). Pure: it runs on an event loop.
     */
    JsonObject represent(S state);

    /** The code answered when a command or a read names an id that is not one of this type's aggregates. */
    RejectionCode notFound();

    /** Registers this type's command and query routes on the gateway. */
    void routes(Gateway gateway);

    /**
     * The read side kept from this type's events: its projections and the queries its routes ask
     * (through the store verticle). Made once, at start, on the store's session (prepare statements here).
     */
    default Future<ReadSide<S>> readSide(ReadModelSession session) {
        return Future.succeededFuture(ReadSide.none());
    }

    /**
     * Classpath resources of this module's read-model schema, applied in order and recorded once per
     * keyspace under {@link Decider#aggregateType()}; {@code ${keyspace}} stands for the keyspace.
     * Never change a file once it has run: add the next one.
     */
    default List<String> schemaFiles() {
        return List.of();
    }

    /** Rules that look across aggregates, which the command processor asks at their moment. */
    default CommandRules<S, C, E> rules() {
        return CommandRules.none();
    }

    /** The classpath resource of an OpenAPI document that validates this type's request bodies, or null. */
    default String openApiDocument() {
        return null;
    }
}
