package io.ordo.http;

import io.ordo.command.Addresses;
import io.ordo.domain.order.OrderDecider;
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
 * WebSocket feeds of order events, one JSON envelope per text frame. {@code /ws/orders} carries
 * every order; {@code /ws/orders/{id}?fromVersion=N} one order, first its stored events from N
 * (catch-up), then live, with no gap and no duplicate. A client that lets more than the configured
 * bytes pile up is disconnected with close code {@value #SLOW_CONSUMER} so it never stalls the server.
 */
final class LiveEvents {

    /** Close code sent to a client that does not keep up (4000-4999: application codes). */
    static final short SLOW_CONSUMER = 4008;
    /** Close code when the id is not an order's. */
    static final short NOT_AN_ORDER = 4004;
    private static final int CATCH_UP_PAGE = 500;

    private final Vertx vertx;
    private final EnvelopeCodec codec;
    private final int maxQueuedBytes;
    private final OrdoMetrics metrics;

    LiveEvents(Vertx vertx, EnvelopeCodec codec, int maxQueuedBytes, OrdoMetrics metrics) {
        this.metrics = metrics;
        this.vertx = vertx;
        this.codec = codec;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    void all(RoutingContext ctx) {
        ctx.request().toWebSocket().onSuccess(socket -> new Feed(socket, null).start(null));
    }

    void one(RoutingContext ctx, UUID orderId) {
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
        ctx.request().toWebSocket().onSuccess(socket -> new Feed(socket, orderId).start(start));
    }

    /** One client's feed: live events, held back while the catch-up from the store runs. */
    private final class Feed {
        private final ServerWebSocket socket;
        private final UUID orderId;
        private final List<EventEnvelope<?>> heldBack = new ArrayList<>();
        private MessageConsumer<EventEnvelope<?>> consumer;
        private boolean catchingUp;
        private long lastSent;
        private boolean open = true;

        Feed(ServerWebSocket socket, UUID orderId) {
            this.socket = socket;
            this.orderId = orderId;
        }

        void start(Long fromVersion) {
            socket.setWriteQueueMaxSize(maxQueuedBytes);
            catchingUp = fromVersion != null;
            lastSent = fromVersion == null ? 0 : fromVersion - 1;
            consumer = vertx.eventBus().localConsumer(Addresses.live(OrderDecider.AGGREGATE_TYPE), message -> {
                EventEnvelope<?> event = message.body();
                if (orderId != null && !orderId.equals(event.aggregateId())) {
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

        private Future<Void> catchUp(long from) {
            return vertx.eventBus().<StoreRequest.EventPage>request(Addresses.STORE,
                            new StoreRequest.Events(orderId, from, CATCH_UP_PAGE))
                    .compose(reply -> {
                        StoreRequest.EventPage page = reply.body();
                        for (EventEnvelope<?> event : page.events()) {
                            if (!OrderDecider.AGGREGATE_TYPE.equals(event.aggregateType())) {
                                socket.close(NOT_AN_ORDER, "not an order");
                                return Future.succeededFuture();
                            }
                            send(event, false);
                        }
                        if (page.next() == null || socket.isClosed()) {
                            return Future.succeededFuture();
                        }
                        return drained().compose(v -> catchUp(page.next()));
                    });
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
            if (orderId != null) {
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
