package io.ordo.es;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Who asked for a command and why: copied onto every event the command produces. The command's
 * own id becomes each event's causation id.
 *
 * @param userId   may be null (anonymous or system)
 * @param metadata free-form string pairs kept with the events
 */
public record CommandMetadata(UUID commandId, UUID correlationId, UUID userId, Map<String, String> metadata) {

    public CommandMetadata {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(correlationId, "correlationId");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** A command with fresh ids and no user: for tools, tests and system-initiated commands. */
    public static CommandMetadata system() {
        UUID id = UUID.randomUUID();
        return new CommandMetadata(id, id, null, Map.of());
    }
}
