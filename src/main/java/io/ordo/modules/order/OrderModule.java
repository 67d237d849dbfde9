package io.ordo.modules.order;

import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderRejection;
import io.ordo.domain.order.OrderState;
import io.ordo.domain.order.OrderStatus;
import io.ordo.domain.order.OrderUpcasters;
import io.ordo.es.Decider;
import io.ordo.es.RejectionCode;
import io.ordo.es.Upcaster;
import io.ordo.http.Gateway;
import io.ordo.module.AggregateModule;
import io.ordo.module.CommandRules;
import io.ordo.projection.ReadSide;
import io.ordo.store.ReadModelSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Orders as an aggregate module: created for an active customer, items changed until confirmed, then
 * shipped and delivered, or cancelled before delivery. Its read model lists a customer's orders and
 * the orders in each status, and counts a customer's orders in the customers' table, so it is
 * registered with {@code CustomerModule}.
 */
public final class OrderModule implements AggregateModule<OrderState, OrderCommand, OrderEvent> {

    public static final String TOPIC = "order-events";
    private static final int DEFAULT_PAGE = 50;

    private final OrderDecider decider = new OrderDecider();

    @Override
    public Decider<OrderState, OrderCommand, OrderEvent> decider() {
        return decider;
    }

    @Override
    public List<Upcaster> upcasters() {
        return OrderUpcasters.all();
    }

    @Override
    public String topic() {
        return TOPIC;
    }

    @Override
    public String collection() {
        return "orders";
    }

    @Override
    public String idField() {
        return "orderId";
    }

    @Override
    public JsonObject represent(OrderState state) {
        return OrderRepresentation.of(state);
    }

    @Override
    public RejectionCode notFound() {
        return OrderRejection.ORDER_NOT_FOUND;
    }

    @Override
    public void routes(Gateway gateway) {
        OrderRoutes.mount(gateway);
    }

    @Override
    public Future<ReadSide<OrderState>> readSide(ReadModelSession session) {
        return OrderReadModel.prepare(session, session.json()).map(readModel -> new ReadSide<>(
                List.of(new OrderProjection(readModel)),
                Map.of(OrderRoutes.SUMMARY, params -> readModel.summary(UUID.fromString(params.getString("id"))),
                        OrderRoutes.LIST, params -> readModel.orders(
                                params.getString("customerId") == null ? null : UUID.fromString(params.getString("customerId")),
                                params.getString("status") == null ? null : OrderStatus.valueOf(params.getString("status")),
                                params.getInteger("limit", DEFAULT_PAGE), params.getString("cursor")))));
    }

    @Override
    public List<String> schemaFiles() {
        return List.of("schema/modules/order/V1__read_models.cql");
    }

    @Override
    public CommandRules<OrderState, OrderCommand, OrderEvent> rules() {
        return new OrderRules();
    }

    @Override
    public String openApiDocument() {
        return "openapi.yaml";
    }
}
