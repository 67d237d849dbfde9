package io.ordo.http;

import io.ordo.domain.customer.Email;
import io.ordo.domain.customer.PhoneNumber;
import io.ordo.domain.order.Money;
import io.ordo.domain.order.OrderItem;
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

/**
 * Strict reading of a JSON request body: only the documented fields, each of its documented type.
 * Anything else is a {@link Problem.BadRequest} naming the field, so no command is built from
 * half-understood input.
 */
final class RequestReader {

    private static final int MAX_TEXT = 10_000;
    private final JsonObject body;

    private RequestReader(JsonObject body) {
        this.body = body;
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
        for (String name : body.fieldNames()) {
            if (!fields.contains(name)) {
                throw new Problem.BadRequest("UNKNOWN_FIELD", "unknown field '" + name + "'; expected " + fields);
            }
        }
        return new RequestReader(body);
    }

    UUID uuid(String field) {
        UUID value = optionalUuid(field);
        if (value == null) {
            throw new Problem.BadRequest("MISSING_FIELD", "'" + field + "' is required");
        }
        return value;
    }

    UUID optionalUuid(String field) {
        return parseUuid(body.getValue(field), field);
    }

    String string(String field) {
        String value = optionalString(field);
        if (value == null) {
            throw new Problem.BadRequest("MISSING_FIELD", "'" + field + "' is required");
        }
        return value;
    }

    String optionalString(String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw new Problem.BadRequest("INVALID_FIELD", "'" + field + "' must be a string");
        }
        if (text.length() > MAX_TEXT) {
            throw new Problem.BadRequest("INVALID_FIELD", "'" + field + "' is longer than " + MAX_TEXT + " characters");
        }
        return text;
    }

    Email email(String field) {
        try {
            return Email.parse(string(field));
        } catch (InvalidValueException e) {
            throw new Problem.BadRequest(e.code(), e.getMessage());
        }
    }

    PhoneNumber optionalPhone(String field) {
        try {
            return PhoneNumber.parseOptional(optionalString(field));
        } catch (InvalidValueException e) {
            throw new Problem.BadRequest(e.code(), e.getMessage());
        }
    }

    /** The items array: each {productId, quantity, unitPrice?: {amountMinor, currency}}. */
    List<OrderItem> items(String field) {
        Object value = body.getValue(field);
        if (value == null) {
            throw new Problem.BadRequest("MISSING_FIELD", "'" + field + "' is required");
        }
        if (!(value instanceof JsonArray array)) {
            throw new Problem.BadRequest("INVALID_FIELD", "'" + field + "' must be an array");
        }
        if (array.size() > 1_000) {
            throw new Problem.BadRequest("INVALID_FIELD", "'" + field + "' has more than 1000 entries");
        }
        List<OrderItem> items = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String at = field + "[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject item)) {
                throw new Problem.BadRequest("INVALID_FIELD", "'" + at + "' must be an object");
            }
            RequestReader line = new RequestReader(item);
            line.allowOnly(at, Set.of("productId", "quantity", "unitPrice"));
            items.add(new OrderItem(line.uuid("productId"), line.integer("quantity", at), line.money("unitPrice", at)));
        }
        return items;
    }

    private Money money(String field, String at) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject price)) {
            throw new Problem.BadRequest("INVALID_FIELD", "'" + at + "." + field + "' must be an object");
        }
        RequestReader money = new RequestReader(price);
        money.allowOnly(at + "." + field, Set.of("amountMinor", "currency"));
        long amount = money.longValue("amountMinor", at + "." + field);
        return new Money(amount, money.string("currency"));
    }

    private int integer(String field, String at) {
        long value = longValue(field, at);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new Problem.BadRequest("INVALID_FIELD", "'" + at + "." + field + "' is out of range");
        }
        return (int) value;
    }

    private long longValue(String field, String at) {
        Object value = body.getValue(field);
        if (value == null) {
            throw new Problem.BadRequest("MISSING_FIELD", "'" + at + "." + field + "' is required");
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger || value instanceof BigDecimal || value instanceof Double || value instanceof Float) {
            throw new Problem.BadRequest("INVALID_FIELD", "'" + at + "." + field + "' must be an integer in range");
        }
        throw new Problem.BadRequest("INVALID_FIELD", "'" + at + "." + field + "' must be a number");
    }

    private void allowOnly(String at, Set<String> fields) {
        for (String name : body.fieldNames()) {
            if (!fields.contains(name)) {
                throw new Problem.BadRequest("UNKNOWN_FIELD", "unknown field '" + at + "." + name + "'");
            }
        }
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
