package io.ordo.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.RequestBody;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates each request body against its operation's schema in the OpenAPI document
 * ({@code openapi.yaml}, also served at {@code /openapi.yaml}) before a handler sees it: types,
 * required and unknown fields, id formats. The validators are compiled once and run on the event
 * loop. A request outside the document passes on, so the router answers 404 or 405; path and query
 * parameters are checked by the handlers, which parse them strictly. Runs after the body handler.
 */
final class OpenApiValidation implements Handler<RoutingContext> {

    /** Keywords that only wrap the check that failed inside them. */
    private static final Set<String> WRAPPERS =
            Set.of("properties", "$ref", "items", "prefixItems", "allOf", "anyOf", "oneOf", "not", "additionalProperties");

    private final String document;
    private final OpenAPIContract contract;
    private final Map<String, BodySchema> bodies = new HashMap<>();

    /** An operation's JSON body: its compiled schema, and whether the body may be absent. */
    private record BodySchema(Validator validator, boolean required) {
    }

    private OpenApiValidation(String document, OpenAPIContract contract) {
        this.document = document;
        this.contract = contract;
        for (Operation operation : contract.operations()) {
            RequestBody body = operation.getRequestBody();
            MediaType json = body == null ? null : body.getContent().get("application/json");
            if (json != null) {
                bodies.put(operation.getOperationId(),
                        new BodySchema(contract.getSchemaRepository().validator(json.getSchema()), body.isRequired()));
            }
        }
    }

    /** Loads the OpenAPI document at the classpath resource {@code document}. */
    static Future<OpenApiValidation> load(Vertx vertx, String document) {
        return vertx.executeBlocking(() -> readDocument(document)).compose(text -> {
            JsonObject json = (JsonObject) toJson(new Yaml(new SafeConstructor(new LoaderOptions())).load(text));
            withoutUnsupportedResponseTypes(json);
            return OpenAPIContract.from(vertx, json).map(contract -> new OpenApiValidation(text, contract));
        });
    }

    /** The document as written, for {@code GET /openapi.yaml}. */
    String document() {
        return document;
    }

    /** Whether the document describes the request's operation. */
    boolean describes(RoutingContext ctx) {
        return contract.findOperation(HttpApi.pathInApi(ctx), ctx.request().method()) != null;
    }

    @Override
    public void handle(RoutingContext ctx) {
        Operation operation = contract.findOperation(HttpApi.pathInApi(ctx), ctx.request().method());
        BodySchema schema = operation == null ? null : bodies.get(operation.getOperationId());
        if (schema == null) {
            ctx.next();
            return;
        }
        Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        if (body == null || body.length() == 0) {
            if (schema.required()) {
                Problem.of(400, "MISSING_BODY", "Invalid request", "this request needs a JSON body").send(ctx);
            } else {
                ctx.next();
            }
            return;
        }
        Object json;
        try {
            json = Json.decodeValue(body);
        } catch (DecodeException e) {
            Problem.of(400, "MALFORMED_JSON", "Invalid request", "the request body is not valid JSON").send(ctx);
            return;
        }
        OutputUnit result = schema.validator().validate(json);
        if (Boolean.TRUE.equals(result.getValid())) {
            ctx.next();
        } else {
            problem(result).send(ctx);
        }
    }

    /** The failure as a problem naming the field at fault, as a JSON pointer into the body. */
    private static Problem problem(OutputUnit result) {
        OutputUnit cause = mostSpecific(result);
        if (cause == null || cause.getKeywordLocation() == null) {
            return Problem.of(400, "INVALID_FIELD", "Invalid request", "the body does not match the API's schema");
        }
        String keyword = cause.getKeywordLocation().substring(cause.getKeywordLocation().lastIndexOf('/') + 1);
        String field = cause.getInstanceLocation() == null ? "" : cause.getInstanceLocation().replaceFirst("^#", "");
        String code = switch (keyword) {
            case "required" -> "MISSING_FIELD";
            case "additionalProperties" -> "UNKNOWN_FIELD";
            default -> "INVALID_FIELD";
        };
        return Problem.of(400, code, "Invalid request", (field.isEmpty() ? "body" : field) + ": " + cause.getError());
    }

    /** The deepest error, preferring a real check over the keywords that wrap it. */
    private static OutputUnit mostSpecific(OutputUnit root) {
        List<OutputUnit> errors = root.getErrors();
        if (errors == null || errors.isEmpty()) {
            return root.getError() == null ? null : root;
        }
        OutputUnit best = null;
        int bestDepth = -1;
        boolean bestIsCheck = false;
        for (OutputUnit error : errors) {
            String location = error.getInstanceLocation() == null ? "" : error.getInstanceLocation();
            int depth = (int) location.chars().filter(c -> c == '/').count();
            String keywords = error.getKeywordLocation() == null ? "" : error.getKeywordLocation();
            boolean isCheck = !WRAPPERS.contains(keywords.substring(keywords.lastIndexOf('/') + 1));
            if (depth > bestDepth || (depth == bestDepth && isCheck && !bestIsCheck)) {
                best = error;
                bestDepth = depth;
                bestIsCheck = isCheck;
            }
        }
        return best;
    }

    private static String readDocument(String document) {
        try (InputStream in = OpenApiValidation.class.getResourceAsStream("/" + document)) {
            if (in == null) {
                throw new IllegalStateException(document + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object toJson(Object yaml) {
        if (yaml instanceof Map<?, ?> map) {
            JsonObject json = new JsonObject();
            map.forEach((key, value) -> json.put(String.valueOf(key), toJson(value)));
            return json;
        }
        if (yaml instanceof List<?> list) {
            JsonArray json = new JsonArray();
            list.forEach(value -> json.add(toJson(value)));
            return json;
        }
        return yaml;
    }

    /**
     * The validator refuses documents whose responses use media types it cannot check, such as
     * application/problem+json. Responses play no part in request validation, so those entries are
     * dropped from its copy; the served document keeps them.
     */
    private static void withoutUnsupportedResponseTypes(JsonObject document) {
        List<JsonObject> responses = new ArrayList<>();
        JsonObject shared = document.getJsonObject("components", new JsonObject()).getJsonObject("responses");
        if (shared != null) {
            shared.forEach(entry -> responses.add((JsonObject) entry.getValue()));
        }
        document.getJsonObject("paths", new JsonObject()).forEach(path -> ((JsonObject) path.getValue()).forEach(operation -> {
            if (operation.getValue() instanceof JsonObject op && op.getValue("responses") instanceof JsonObject byStatus) {
                byStatus.forEach(response -> responses.add((JsonObject) response.getValue()));
            }
        }));
        for (JsonObject response : responses) {
            JsonObject content = response.getJsonObject("content");
            if (content != null) {
                content.fieldNames().removeIf(type -> !MediaType.isMediaTypeSupported(type));
            }
        }
    }
}
