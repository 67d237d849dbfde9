package io.ordo.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ordo.command.CommandReply;
import io.ordo.command.CommandRequest;
import io.ordo.es.Aggregate;
import io.ordo.es.CommandMetadata;
import io.ordo.es.EventEnvelope;
import io.ordo.es.Rejection;
import io.ordo.es.RejectionCode;
import io.ordo.module.AggregateModule;
import io.ordo.module.Modules;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The codecs of the messages that cross cluster members: a command on its way to its shard's owner and
 * the owner's reply. Each Ordo registers its own under its prefix (it knows its modules' command, state
 * and event types); a message to a consumer in the same JVM is passed as it is, never serialized.
 * Commands are the module's records as JSON, read back only as a type of the module's command family.
 */
public final class ClusterCodecs {

    private final String requestCodec;
    private final String replyCodec;

    private ClusterCodecs(String prefix) {
        this.requestCodec = prefix + ".command-request";
        this.replyCodec = prefix + ".command-reply";
    }

    /** Registers this Ordo's codecs with {@code bus}. */
    public static ClusterCodecs register(EventBus bus, String prefix, Modules modules) {
        ClusterCodecs codecs = new ClusterCodecs(prefix);
        Wire wire = new Wire(modules);
        ObjectMapper mapper = modules.serializer().mapper();
        bus.registerCodec(new JsonCodec<CommandRequest>(codecs.requestCodec, mapper, wire::request, wire::request));
        bus.registerCodec(new JsonCodec<CommandReply>(codecs.replyCodec, mapper, wire::reply, wire::reply));
        return codecs;
    }

    public DeliveryOptions requests() {
        return new DeliveryOptions().setCodecName(requestCodec);
    }

    public DeliveryOptions replies() {
        return new DeliveryOptions().setCodecName(replyCodec);
    }

    /** A rejection code read from another member: its name and kind are all that HTTP answers with. */
    record RemoteRejectionCode(String name, Rejection.Kind kind) implements RejectionCode {
    }

    /** Messages to JSON trees and back. */
    static final class Wire {
        private final Modules modules;
        private final ObjectMapper mapper;

        Wire(Modules modules) {
            this.modules = modules;
            this.mapper = modules.serializer().mapper();
        }

        JsonNode request(CommandRequest request) {
            ObjectNode json = mapper.createObjectNode()
                    .put("aggregateType", request.aggregateType())
                    .put("aggregateId", request.aggregateId().toString())
                    .put("commandType", request.command().getClass().getName())
                    .put("expectedVersion", request.expectedVersion())
                    .put("idempotencyKey", request.idempotencyKey())
                    .put("requestHash", request.requestHash());
            json.set("command", mapper.valueToTree(request.command()));
            CommandMetadata metadata = request.metadata();
            ObjectNode meta = json.putObject("metadata")
                    .put("commandId", metadata.commandId().toString())
                    .put("correlationId", metadata.correlationId().toString())
                    .put("userId", metadata.userId() == null ? null : metadata.userId().toString());
            meta.set("metadata", mapper.valueToTree(metadata.metadata()));
            return json;
        }

        CommandRequest request(JsonNode json) {
            AggregateModule<?, ?, ?> module = modules.get(json.get("aggregateType").asText());
            Class<?> family = module.decider().commandClass();
            Object command;
            try {
                Class<?> type = Class.forName(json.get("commandType").asText(), false, family.getClassLoader());
                if (!family.isAssignableFrom(type)) {
                    throw new IllegalArgumentException(type.getName() + " is not a " + family.getName());
                }
                command = mapper.treeToValue(json.get("command"), type);
            } catch (ClassNotFoundException | JsonProcessingException e) {
                throw new IllegalArgumentException("cannot read a command from another member: " + e.getMessage(), e);
            }
            JsonNode meta = json.get("metadata");
            Map<String, String> pairs = new HashMap<>();
            meta.get("metadata").fields().forEachRemaining(field -> pairs.put(field.getKey(), field.getValue().asText()));
            CommandMetadata metadata = new CommandMetadata(UUID.fromString(meta.get("commandId").asText()),
                    UUID.fromString(meta.get("correlationId").asText()), uuid(meta.get("userId")), pairs);
            return new CommandRequest(module.decider().aggregateType(), UUID.fromString(json.get("aggregateId").asText()),
                    command, metadata, json.get("expectedVersion").isNull() ? null : json.get("expectedVersion").asLong(),
                    text(json.get("idempotencyKey")), text(json.get("requestHash")));
        }

        JsonNode reply(CommandReply reply) {
            ObjectNode json = mapper.createObjectNode().put("reply", reply.getClass().getSimpleName());
            if (reply instanceof CommandReply.Accepted accepted) {
                Aggregate<?> aggregate = accepted.aggregate();
                json.putObject("aggregate")
                        .put("type", aggregate.type())
                        .put("id", aggregate.id().toString())
                        .put("version", aggregate.version())
                        .put("createdAt", aggregate.createdAt() == null ? null : aggregate.createdAt().toString())
                        .put("updatedAt", aggregate.updatedAt() == null ? null : aggregate.updatedAt().toString())
                        .set("state", mapper.valueToTree(aggregate.state()));
                ArrayNode events = json.putArray("events");
                accepted.events().forEach(event -> events.add(modules.codec().encode(event)));
            } else if (reply instanceof CommandReply.Rejected rejected) {
                json.put("code", rejected.rejection().code().name())
                        .put("kind", rejected.rejection().code().kind().name())
                        .put("message", rejected.rejection().message())
                        .put("version", rejected.version());
            } else if (reply instanceof CommandReply.VersionMismatch mismatch) {
                json.put("expected", mismatch.expected()).put("current", mismatch.current());
            } else if (reply instanceof CommandReply.Contended contended) {
                json.put("current", contended.current());
            } else if (reply instanceof CommandReply.Replayed replayed) {
                json.set("original", reply(replayed.original()));
            } else if (reply instanceof CommandReply.KeyReused reused) {
                json.put("key", reused.key());
            } else if (reply instanceof CommandReply.InProgress inProgress) {
                json.put("key", inProgress.key());
            } else if (reply instanceof CommandReply.Unavailable unavailable) {
                json.put("outcomeUnknown", unavailable.outcomeUnknown()).put("detail", unavailable.detail());
            }
            return json;
        }

        CommandReply reply(JsonNode json) {
            return switch (json.get("reply").asText()) {
                case "Accepted" -> {
                    JsonNode node = json.get("aggregate");
                    AggregateModule<?, ?, ?> module = modules.get(node.get("type").asText());
                    Object state;
                    try {
                        state = mapper.treeToValue(node.get("state"), module.decider().stateClass());
                    } catch (JsonProcessingException e) {
                        throw new IllegalArgumentException("cannot read a state from another member: " + e.getMessage(), e);
                    }
                    List<EventEnvelope<?>> events = new ArrayList<>();
                    json.get("events").forEach(event -> events.add(modules.codec().decode(event.asText())));
                    yield new CommandReply.Accepted(new Aggregate<>(node.get("type").asText(),
                            UUID.fromString(node.get("id").asText()), node.get("version").asLong(), state,
                            instant(node.get("createdAt")), instant(node.get("updatedAt"))), events);
                }
                case "Rejected" -> new CommandReply.Rejected(new Rejection(new RemoteRejectionCode(json.get("code").asText(),
                        Rejection.Kind.valueOf(json.get("kind").asText())), json.get("message").asText()),
                        json.get("version").asLong());
                case "VersionMismatch" -> new CommandReply.VersionMismatch(json.get("expected").asLong(),
                        json.get("current").asLong());
                case "Contended" -> new CommandReply.Contended(json.get("current").asLong());
                case "Replayed" -> new CommandReply.Replayed(reply(json.get("original")));
                case "KeyReused" -> new CommandReply.KeyReused(json.get("key").asText());
                case "InProgress" -> new CommandReply.InProgress(json.get("key").asText());
                case "Unavailable" -> new CommandReply.Unavailable(json.get("outcomeUnknown").asBoolean(),
                        text(json.get("detail")));
                default -> throw new IllegalArgumentException("unknown reply " + json.get("reply").asText());
            };
        }

        private static UUID uuid(JsonNode node) {
            return node == null || node.isNull() ? null : UUID.fromString(node.asText());
        }

        private static String text(JsonNode node) {
            return node == null || node.isNull() ? null : node.asText();
        }

        private static Instant instant(JsonNode node) {
            return node == null || node.isNull() ? null : Instant.parse(node.asText());
        }
    }

    /** A message as a length-prefixed JSON document on the wire; as it is within the JVM. */
    private static final class JsonCodec<T> implements MessageCodec<T, T> {
        private final String name;
        private final ObjectMapper mapper;
        private final Function<T, JsonNode> write;
        private final Function<JsonNode, T> read;

        JsonCodec(String name, ObjectMapper mapper, Function<T, JsonNode> write, Function<JsonNode, T> read) {
            this.name = name;
            this.mapper = mapper;
            this.write = write;
            this.read = read;
        }

        @Override
        public void encodeToWire(Buffer buffer, T message) {
            byte[] bytes = write.apply(message).toString().getBytes(StandardCharsets.UTF_8);
            buffer.appendInt(bytes.length).appendBytes(bytes);
        }

        @Override
        public T decodeFromWire(int pos, Buffer buffer) {
            int length = buffer.getInt(pos);
            String text = buffer.getString(pos + 4, pos + 4 + length, "UTF-8");
            try {
                return read.apply(mapper.readTree(text));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("a malformed message from another member: " + e.getMessage(), e);
            }
        }

        @Override
        public T transform(T message) {
            return message;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public byte systemCodecID() {
            return -1;
        }
    }
}
