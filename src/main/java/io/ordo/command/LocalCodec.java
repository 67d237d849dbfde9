package io.ordo.command;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes a message object as it is between verticles of one JVM: no JSON round trip. Our messages
 * are immutable records, so sharing them is safe. They never leave the JVM.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

    private final String name;

    private LocalCodec(Class<T> type) {
        this.name = "ordo-local-" + type.getName();
    }

    /** Registers the codec for each type, once per Vert.x instance. */
    public static void register(EventBus bus, Class<?>... types) {
        for (Class<?> type : types) {
            registerOne(bus, type);
        }
    }

    private static <T> void registerOne(EventBus bus, Class<T> type) {
        try {
            bus.registerDefaultCodec(type, new LocalCodec<>(type));
        } catch (IllegalStateException alreadyRegistered) {
            // Another deployment of Ordo in this Vert.x instance registered it first.
        }
    }

    @Override
    public void encodeToWire(Buffer buffer, T message) {
        throw new UnsupportedOperationException("Ordo's event-bus messages are local to one JVM");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        throw new UnsupportedOperationException("Ordo's event-bus messages are local to one JVM");
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
