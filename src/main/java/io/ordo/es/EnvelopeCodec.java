package io.ordo.es;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.time.DateTimeException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The JSON form of an {@link EventEnvelope}, the one document that HTTP, WebSocket and Kafka all
 * carry: camelCase fields, the payload under {@code data}, the timestamp in ISO-8601.
 *
 * <p>Decoding streams the document and binds {@code data} directly when its version is current,
 * so reading an envelope costs little more than parsing it. A decoded envelope carries the payload
 * at its current version, and {@code eventVersion} says so.
 */
public final class EnvelopeCodec {

    private final EventSerializer serializer;
    private final JsonFactory factory;

    public EnvelopeCodec(EventSerializer serializer) {
        this.serializer = serializer;
        this.factory = serializer.mapper().getFactory();
    }

    public String encode(EventEnvelope<?> envelope) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = factory.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("eventId", envelope.eventId().toString());
            json.writeStringField("aggregateId", envelope.aggregateId().toString());
            json.writeStringField("aggregateType", envelope.aggregateType());
            json.writeNumberField("sequenceNumber", envelope.sequenceNumber());
            json.writeStringField("eventType", envelope.eventType());
            json.writeNumberField("eventVersion", envelope.eventVersion());
            json.writeFieldName("data");
            serializer.mapper().writeValue(json, envelope.eventData());
            writeUuid(json, "causationId", envelope.causationId());
            writeUuid(json, "correlationId", envelope.correlationId());
            writeUuid(json, "userId", envelope.userId());
            json.writeStringField("timestamp", envelope.timestamp().toString());
            json.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> entry : envelope.metadata().entrySet()) {
                json.writeStringField(entry.getKey(), entry.getValue());
            }
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new EventSerializationException("cannot encode envelope of event " + envelope.eventId(), e);
        }
        return out.toString();
    }

    public EventEnvelope<DomainEvent> decode(String json) {
        try (JsonParser parser = factory.createParser(json)) {
            return decode(parser);
        } catch (IOException e) {
            throw new EventSerializationException("malformed event envelope: " + e.getMessage(), e);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new EventSerializationException("invalid event envelope: " + e.getMessage(), e);
        }
    }

    private EventEnvelope<DomainEvent> decode(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new EventSerializationException("event envelope is not a JSON object");
        }
        UUID eventId = null, aggregateId = null, causationId = null, correlationId = null, userId = null;
        String aggregateType = null, eventType = null;
        long sequenceNumber = 0;
        int eventVersion = 0;
        Instant timestamp = null;
        Map<String, String> metadata = Map.of();
        DomainEvent data = null;
        JsonNode deferredData = null;

        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "eventId" -> eventId = uuid(parser, value);
                case "aggregateId" -> aggregateId = uuid(parser, value);
                case "aggregateType" -> aggregateType = text(parser, value);
                case "sequenceNumber" -> sequenceNumber = parser.getValueAsLong();
                case "eventType" -> eventType = text(parser, value);
                case "eventVersion" -> eventVersion = parser.getValueAsInt();
                case "causationId" -> causationId = uuid(parser, value);
                case "correlationId" -> correlationId = uuid(parser, value);
                case "userId" -> userId = uuid(parser, value);
                case "timestamp" -> timestamp = value == JsonToken.VALUE_NULL ? null : Timestamps.parse(parser.getText());
                case "metadata" -> metadata = stringMap(parser, value);
                case "data" -> {
                    // Our own encoder writes type and version first; anything else is read as a tree.
                    if (eventType != null && eventVersion > 0) {
                        data = serializer.fromParser(eventType, eventVersion, parser);
                    } else {
                        deferredData = serializer.mapper().readTree(parser);
                    }
                }
                default -> parser.skipChildren();
            }
        }
        if (eventType == null || eventVersion < 1) {
            throw new EventSerializationException("event envelope has no eventType or eventVersion");
        }
        if (data == null) {
            if (deferredData == null) {
                throw new EventSerializationException("event envelope of " + eventType + " has no data");
            }
            data = serializer.fromTree(eventType, eventVersion, deferredData);
        }
        return new EventEnvelope<>(required(eventId, "eventId"), required(aggregateId, "aggregateId"),
                required(aggregateType, "aggregateType"), sequenceNumber, eventType, data.type().version(), data,
                causationId, required(correlationId, "correlationId"), userId, required(timestamp, "timestamp"),
                metadata);
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new EventSerializationException("event envelope has no " + field);
        }
        return value;
    }

    private static UUID uuid(JsonParser parser, JsonToken token) throws IOException {
        return token == JsonToken.VALUE_NULL ? null : UUID.fromString(parser.getText());
    }

    private static String text(JsonParser parser, JsonToken token) throws IOException {
        return token == JsonToken.VALUE_NULL ? null : parser.getText();
    }

    private static Map<String, String> stringMap(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (token != JsonToken.START_OBJECT) {
            throw new EventSerializationException("envelope metadata is not a JSON object");
        }
        Map<String, String> map = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            if (value == JsonToken.VALUE_NULL) {
                continue;
            }
            if (!value.isScalarValue()) {
                throw new EventSerializationException("envelope metadata '" + key + "' is not a string");
            }
            map.put(key, parser.getValueAsString());
        }
        return map;
    }

    private static void writeUuid(JsonGenerator json, String field, UUID value) throws IOException {
        if (value != null) {
            json.writeStringField(field, value.toString());
        }
    }
}
