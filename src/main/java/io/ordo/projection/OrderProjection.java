package io.ordo.projection;

import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderState;
import io.ordo.domain.order.OrderStatus;
import io.ordo.es.Aggregate;
import io.ordo.es.Decider;
import io.ordo.store.ReadModelStore;
import io.vertx.core.Future;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Orders into {@code order_read_model}, {@code orders_by_customer}, {@code orders_by_status} and the customers' orders. */
public final class OrderProjection implements Projection<OrderState> {

    public static final String NAME = "orders";

    private final ReadModelStore readModels;
    private final OrderDecider decider = new OrderDecider();

    public OrderProjection(ReadModelStore readModels) {
        this.readModels = readModels;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> tables() {
        return List.of("order_read_model", "orders_by_customer", "orders_by_status", "customer_read_model.order_ids");
    }

    @Override
    public Decider<OrderState, ?, ?> decider() {
        return decider;
    }

    @Override
    public Future<Void> write(Aggregate<OrderState> order, Aggregate<OrderState> previous, long writeTime) {
        // A new order, or one whose past is unknown here, joins its customer's orders.
        boolean joinCustomer = previous == null || !previous.exists();
        return readModels.writeOrder(order, delistFrom(order, previous), joinCustomer, writeTime);
    }

    @Override
    public Future<Void> repair(Aggregate<OrderState> order, long writeTime) {
        EnumSet<OrderStatus> others = EnumSet.allOf(OrderStatus.class);
        others.remove(order.state().status());
        return readModels.writeOrder(order, others, true, writeTime);
    }

    /**
     * The statuses the order must leave: none while its status stays; else every status it can have
     * had before this one. Not only the one it left in memory: a rebuild or a retry elsewhere may have
     * listed it under a status this instance never saw (memory CREATED, a rebuild wrote CONFIRMED,
     * this poll folds on to SHIPPED). At most three single-row deletes, and only on a status change.
     * (A list it may join later is never touched: a write at a higher version owns it.)
     */
    private static Set<OrderStatus> delistFrom(Aggregate<OrderState> order, Aggregate<OrderState> previous) {
        OrderStatus now = order.state().status();
        boolean unchanged = previous != null && previous.state().status() == now;
        return unchanged ? EnumSet.noneOf(OrderStatus.class) : now.earlier();
    }
}
