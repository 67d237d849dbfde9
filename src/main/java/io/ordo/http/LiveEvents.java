package io.ordo.http;

import io.ordo.command.Addresses;
import io.ordo.es.EnvelopeCodec;
import io.ordo.es.EventEnvelope;
import io.ordo.ops.OrdoMetrics;
import io.ordo.store.StoreRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * WebSocket feeds of one aggregate type's events, one JSON envelope per text frame:
 * {@code /ws/{collection}} carries every aggregate of the type; {@code /ws/{collection}/{id}?fromVersion=N}
 * one aggregate, first its stored events from N (catch-up), then live, with no gap and no duplicate.
 * A client that lets more than the configured bytes pile up is disconnected with close code
 * {@value #SLOW_CONSUMER} so it never stalls the server.
 */
final class LiveEvents {

    /** Close code sent to a client that does not keep up (4000-4999: application codes). */
    static final short SLOW_CONSUMER = 4008;
    /** Close code when the id is not one of the type's aggregates. */
    static final short NOT_OF_THE_TYPE = 4004;
    private static final int CATCH_UP_PAGE = 500;

    private final Vertx vertx;
    private final EnvelopeCodec codec;
    private final Addresses addresses;
    private final String type;
    private final int maxQueuedBytes;
    private final OrdoMetrics metrics;

    LiveEvents(Vertx vertx, EnvelopeCodec codec, Addresses addresses, String type, int maxQueuedBytes, OrdoMetrics metrics) {
        this.metrics = metrics;
        this.vertx = vertx;
        this.codec = codec;
        this.addresses = addresses;
        this.type = type;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    void all(RoutingContext ctx) {
        ctx.request().toWebSocket().onSuccess(socket -> new Feed(socket, null).start(null));
    }

    void one(RoutingContext ctx, UUID aggregateId) {
        String from = ctx.queryParams().get("fromVersion");
        Long fromVersion = null;
        if (from != null) {
            try {
                fromVersion = Long.parseLong(from);
            } catch (NumberFormatException e) {
                fromVersion = -1L;
            }
            if (fromVersion < 0) {
                throw new Problem.BadRequest("INVALID_PARAMETER", "'fromVersion' must be an integer >= 0");
            }
            fromVersion = Math.max(1, fromVersion); // 0, as a client that has seen nothing sends it: from the start
        }
        Long start = fromVersion;
        ctx.request().toWebSocket().onSuccess(socket -> new Feed(socket, aggregateId).start(start));
    }

    /** One client's feed: live events, held back while the catch-up from the store runs. */
    private final class Feed {
        private final ServerWebSocket socket;
        private final UUID aggregateId;
        private final List<EventEnvelope<?>> heldBack = new ArrayList<>();
        private MessageConsumer<EventEnvelope<?>> consumer;
        private boolean catchingUp;
        private long lastSent;
        private boolean open = true;

        Feed(ServerWebSocket socket, UUID aggregateId) {
            this.socket = socket;
            this.aggregateId = aggregateId;
        }

        void start(Long fromVersion) {
            socket.setWriteQueueMaxSize(maxQueuedBytes);
            catchingUp = fromVersion != null;
            lastSent = fromVersion == null ? 0 : fromVersion - 1;
            consumer = vertx.eventBus().localConsumer(addresses.live(type), message -> {
                EventEnvelope<?> event = message.body();
                if (aggregateId != null && !aggregateId.equals(event.aggregateId())) {
                    return;
                }
                if (catchingUp) {
                    heldBack.add(event);
                } else {
                    send(event, true);
                }
            });
            metrics.webSocketOpened();
            socket.closeHandler(v -> closed());
            socket.textMessageHandler(ignored -> { });
            if (catchingUp) {
                consumer.completion().compose(v -> catchUp(fromVersion)).onComplete(done -> {
                    if (done.failed()) {
                        socket.close((short) 1011, "catch-up from the store failed");
                        return;
                    }
                    catchingUp = false;
                    heldBack.forEach(event -> send(event, true));
                    heldBack.clear();
                });
            }
        }

        /** Sends the stored events from {@code from}, a page at a time at the client's pace: a loop, not a chain. */
        private Future<Void> catchUp(long from) {
            Promise<Void> done = Promise.promise();
            new Object() {
                void page(long next) {
                    vertx.eventBus().<StoreRequest.EventPage>request(addresses.store(),
                            new StoreRequest.Events(aggregateId, next, CATCH_UP_PAGE)).onComplete(reply -> {
                        if (reply.failed()) {
                            done.fail(reply.cause());
                            return;
                        }
                        StoreRequest.EventPage events = reply.result().body();
                        for (EventEnvelope<?> event : events.events()) {
                            if (!type.equals(event.aggregateType())) {
                                socket.close(NOT_OF_THE_TYPE, "not a " + type.toLowerCase());
                                done.complete();
                                return;
                            }
                            send(event, false);
                        }
                        if (events.next() == null || socket.isClosed()) {
                            done.complete();
                            return;
                        }
                        drained().onComplete(v -> page(events.next()));
                    });
                }
            }.page(from);
            return done.future();
        }

        /** Completes once the socket can take more: the catch-up goes at the client's pace. */
        private Future<Void> drained() {
            if (!socket.writeQueueFull()) {
                return Future.succeededFuture();
            }
            Promise<Void> drained = Promise.promise();
            socket.drainHandler(v -> drained.tryComplete());
            socket.closeHandler(v -> {
                closed();
                drained.tryComplete();
            });
            return drained.future();
        }

        private void closed() {
            if (open) {
                open = false;
                consumer.unregister();
                metrics.webSocketClosed();
            }
        }

        /** Live events past the queue limit close the socket; catch-up events wait for it instead. */
        private void send(EventEnvelope<?> event, boolean live) {
            if (socket.isClosed()) {
                return;
            }
            if (aggregateId != null) {
                if (event.sequenceNumber() <= lastSent) {
                    return; // already sent during catch-up
                }
                lastSent = event.sequenceNumber();
            }
            if (live && socket.writeQueueFull()) {
                socket.close(SLOW_CONSUMER, "slow consumer: events piled up past the limit");
                return;
            }
            socket.writeTextMessage(codec.encode(event));
        }
    }
}
