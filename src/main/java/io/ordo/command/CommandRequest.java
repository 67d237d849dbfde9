package io.ordo.command;

import io.ordo.es.CommandMetadata;

import java.util.UUID;

/**
 * A command on its way to the aggregate verticle that owns {@code aggregateId}.
 *
 * @param expectedVersion the client's If-Match, or null
 * @param idempotencyKey  the client's Idempotency-Key, or null
 * @param requestHash     identifies the request body, to tell a replay from a reused key
 */
public record CommandRequest(String aggregateType, UUID aggregateId, Object command, CommandMetadata metadata,
                             Long expectedVersion, String idempotencyKey, String requestHash) {
}
