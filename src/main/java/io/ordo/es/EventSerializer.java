package io.ordo.es;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Event payloads to JSON and back, through the {@link EventRegistry}: the stored type name and
 * version pick the record, and older versions pass through their upcasters first.
 *
 * <p>Readers tolerate unknown fields, so an instance still on the previous build can read a payload
 * that gained an optional field without a version bump. Null fields are left out.
 */
public final class EventSerializer {

    private final EventRegistry registry;
    private final ObjectMapper mapper;
    private final Map<String, ObjectReader> readers = new HashMap<>();
    private final ObjectWriter writer;

    public EventSerializer(EventRegistry registry) {
        this.registry = registry;
        this.mapper = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
        this.writer = mapper.writer();
        for (EventType<?> type : registry.types()) {
            readers.put(type.name(), mapper.readerFor(type.javaType()));
        }
    }

    public EventRegistry registry() {
        return registry;
    }

    /** The mapper behind this serializer, for callers that frame payloads in larger documents. */
    public ObjectMapper mapper() {
        return mapper;
    }

    public String toJson(DomainEvent event) {
        try {
            return writer.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new EventSerializationException("cannot serialize event " + event.type().name(), e);
        }
    }

    public JsonNode toTree(DomainEvent event) {
        return mapper.valueToTree(event);
    }

    /** Reads a payload stored as {@code typeName} at {@code version}, upcasting it when older. */
    public DomainEvent fromJson(String typeName, int version, String json) {
        EventType<?> type = registry.type(typeName);
        try {
            if (version == type.version()) {
                return readers.get(typeName).readValue(json);
            }
            return fromTree(type, version, mapper.readTree(json));
        } catch (IOException e) {
            throw malformed(typeName, version, e);
        }
    }

    public DomainEvent fromTree(String typeName, int version, JsonNode payload) {
        return fromTree(registry.type(typeName), version, payload);
    }

    /**
     * Reads the payload at the parser's current token. The current version binds straight from the
     * stream; older versions go through a tree for their upcasters.
     */
    DomainEvent fromParser(String typeName, int version, JsonParser parser) throws IOException {
        EventType<?> type = registry.type(typeName);
        if (version == type.version()) {
            try {
                return readers.get(typeName).readValue(parser);
            } catch (IOException e) {
                throw malformed(typeName, version, e);
            }
        }
        return fromTree(type, version, mapper.readTree(parser));
    }

    private DomainEvent fromTree(EventType<?> type, int version, JsonNode payload) {
        if (!(payload instanceof ObjectNode object)) {
            throw new EventSerializationException("payload of event type '" + type.name() + "' v" + version
                    + " is not a JSON object");
        }
        ObjectNode current = object.deepCopy();
        for (Upcaster step : registry.upcastChain(type, version)) {
            current = step.upcast(current);
        }
        try {
            return readers.get(type.name()).readValue(current);
        } catch (IOException e) {
            throw malformed(type.name(), version, e);
        }
    }

    private static EventSerializationException malformed(String typeName, int version, IOException e) {
        return new EventSerializationException("malformed payload for event type '" + typeName + "' v" + version
                + ": " + (e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage()), e);
    }
}
