package io.ordo.http;

import io.ordo.es.InvalidValueException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Strict reading of a JSON request body: only the documented fields, each of its documented type.
 * Anything else is a {@link Problem.BadRequest} naming the field, so no command is built from
 * half-understood input. A module's routes read their bodies with it (see {@link Gateway#body}).
 */
public final class RequestReader {

    private static final int MAX_TEXT = 10_000;
    private final JsonObject body;
    /** Where this object is in the body, for messages: empty at the top, else e.g. {@code items[0].}. */
    private final String at;

    private RequestReader(JsonObject body, String at) {
        this.body = body;
        this.at = at;
    }

    /** Parses {@code text} (null or blank means an empty object) and allows only {@code fields}. */
    static RequestReader of(String text, Set<String> fields) {
        JsonObject body;
        if (text == null || text.isBlank()) {
            body = new JsonObject();
        } else {
            Object parsed;
            try {
                parsed = io.vertx.core.json.Json.decodeValue(text);
            } catch (DecodeException e) {
                throw new Problem.BadRequest("MALFORMED_JSON", "the request body is not valid JSON");
            }
            if (!(parsed instanceof JsonObject object)) {
                throw new Problem.BadRequest("MALFORMED_JSON", "the request body must be a JSON object");
            }
            body = object;
        }
        return new RequestReader(body, "").only(fields);
    }

    /** This object, if it has no field but {@code fields}. */
    private RequestReader only(Set<String> fields) {
        for (String name : body.fieldNames()) {
            if (!fields.contains(name)) {
                throw new Problem.BadRequest("UNKNOWN_FIELD", "unknown field '" + at + name + "'; expected " + fields);
            }
        }
        return this;
    }

    public UUID uuid(String field) {
        UUID value = optionalUuid(field);
        if (value == null) {
            throw missing(field);
        }
        return value;
    }

    public UUID optionalUuid(String field) {
        return parseUuid(body.getValue(field), at + field);
    }

    public String string(String field) {
        String value = optionalString(field);
        if (value == null) {
            throw missing(field);
        }
        return value;
    }

    public String optionalString(String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw invalid(field, "must be a string");
        }
        if (text.length() > MAX_TEXT) {
            throw invalid(field, "is longer than " + MAX_TEXT + " characters");
        }
        return text;
    }

    /**
     * The string field (required) as {@code parse} reads it (a value object's own parser): an
     * {@link InvalidValueException} is answered 400 with its own code.
     */
    public <T> T parsed(String field, Function<String, T> parse) {
        return parse(string(field), parse);
    }

    /** As {@link #parsed}, for an optional field: {@code parse} is given null when it is absent. */
    public <T> T optionalParsed(String field, Function<String, T> parse) {
        return parse(optionalString(field), parse);
    }

    private static <T> T parse(String text, Function<String, T> parse) {
        try {
            return parse.apply(text);
        } catch (InvalidValueException e) {
            throw new Problem.BadRequest(e.code(), e.getMessage());
        }
    }

    public int integer(String field) {
        long value = longValue(field);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw invalid(field, "is out of range");
        }
        return (int) value;
    }

    public long longValue(String field) {
        Object value = body.getValue(field);
        if (value == null) {
            throw missing(field);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger || value instanceof BigDecimal || value instanceof Double || value instanceof Float) {
            throw invalid(field, "must be an integer in range");
        }
        throw invalid(field, "must be a number");
    }

    /** The object under {@code field}, with only {@code fields}; null when absent. */
    public RequestReader optionalObject(String field, Set<String> fields) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject object)) {
            throw invalid(field, "must be an object");
        }
        return new RequestReader(object, at + field + ".").only(fields);
    }

    /** The array of objects under {@code field} (required), at most {@code max} of them, each with only {@code fields}. */
    public List<RequestReader> objects(String field, int max, Set<String> fields) {
        Object value = body.getValue(field);
        if (value == null) {
            throw missing(field);
        }
        if (!(value instanceof JsonArray array)) {
            throw invalid(field, "must be an array");
        }
        if (array.size() > max) {
            throw invalid(field, "has more than " + max + " entries");
        }
        List<RequestReader> items = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String element = at + field + "[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject item)) {
                throw new Problem.BadRequest("INVALID_FIELD", "'" + element + "' must be an object");
            }
            items.add(new RequestReader(item, element + ".").only(fields));
        }
        return items;
    }

    private Problem.BadRequest missing(String field) {
        return new Problem.BadRequest("MISSING_FIELD", "'" + at + field + "' is required");
    }

    private Problem.BadRequest invalid(String field, String what) {
        return new Problem.BadRequest("INVALID_FIELD", "'" + at + field + "' " + what);
    }

    static UUID parseUuid(Object value, String what) {
        if (value == null) {
            return null;
        }
        if (value instanceof String text && text.length() == 36) {
            try {
                return UUID.fromString(text);
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        throw new Problem.BadRequest("INVALID_FIELD", "'" + what + "' must be a UUID");
    }
}
