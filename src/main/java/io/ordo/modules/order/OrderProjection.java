package io.ordo.modules.order;

import io.ordo.domain.order.OrderDecider;
import io.ordo.domain.order.OrderState;
import io.ordo.domain.order.OrderStatus;
import io.ordo.es.Aggregate;
import io.ordo.es.Decider;
import io.ordo.modules.order.OrderReadModel.CustomerOrderSet;
import io.ordo.modules.order.OrderReadModel.CustomerOrders;
import io.ordo.modules.order.OrderReadModel.ListedOrder;
import io.ordo.projection.Projection;
import io.ordo.projection.Sweep;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/** Orders into {@code order_read_model}, {@code orders_by_customer}, {@code orders_by_status} and the customers' orders. */
final class OrderProjection implements Projection<OrderState> {

    static final String NAME = "orders";
    private static final Future<Integer> NONE = Future.succeededFuture(0);
    private static final Future<Integer> ONE = Future.succeededFuture(1);

    private final OrderReadModel readModel;
    private final OrderDecider decider = new OrderDecider();

    OrderProjection(OrderReadModel readModel) {
        this.readModel = readModel;
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
        CustomerOrderSet joining = previous == null || !previous.exists() ? CustomerOrderSet.JOIN : CustomerOrderSet.LEAVE_AS_IS;
        return readModel.writeOrder(order, delistFrom(order, previous), joining, writeTime);
    }

    @Override
    public Future<Void> repair(Aggregate<OrderState> order, long writeTime) {
        EnumSet<OrderStatus> others = EnumSet.allOf(OrderStatus.class);
        others.remove(order.state().status());
        return readModel.writeOrder(order, others, CustomerOrderSet.JOIN, writeTime);
    }

    /**
     * Four scans, in this order: orders with no stream (their rows, list rows and place among their
     * customer's orders go at the row's own write time: nothing else will ever write them); then list
     * rows and customers' orders that disagree with their order's row. Those go at
     * {@code writeTime(row version, epoch)}: above every write of the order up to that version (this
     * rebuild's included, a tombstone winning a tie), below any live write of a later version. Only a
     * list row's key is compared: a row at the right key with stale cells is the order's own row, which
     * the replay rewrote (a delete would tie with it and remove it for good).
     */
    @Override
    public Future<Void> sweep(Sweep sweep) {
        return readModel.forEachOrderRowPage(sweep.pageSize(), sweep.retry(), rows -> sweep.each(rows,
                        row -> "sweeping order " + row.orderId(),
                        row -> sweep.hasStream(row.orderId()).compose(exists -> exists ? NONE
                                : readModel.deleteOrder(row, row.writeTime())))
                        .compose(v -> sweep.pageDone()))
                .compose(v -> readModel.forEachOrderByCustomerPage(sweep.pageSize(), sweep.retry(),
                        rows -> sweepListed(sweep, rows)))
                .compose(v -> readModel.forEachOrderByStatusPage(sweep.pageSize(), sweep.retry(),
                        rows -> sweepListed(sweep, rows)))
                .compose(v -> readModel.forEachCustomerOrdersPage(sweep.pageSize(), sweep.retry(),
                        customers -> sweepCustomerOrders(sweep, customers)));
    }

    private Future<Void> sweepListed(Sweep sweep, List<ListedOrder> rows) {
        return sweep.each(rows, row -> "sweeping the listing of order " + row.orderId(),
                row -> readModel.orderRow(row.orderId()).compose(order -> {
                    if (order == null) {
                        return orphan(sweep, row.orderId(), () -> readModel.deleteListedOrder(row, row.writeTime()));
                    }
                    return OrderReadModel.sameKey(row, order) ? NONE : readModel.deleteListedOrder(row,
                            Projection.writeTime(order.version(), sweep.epoch())).compose(v -> ONE);
                })).compose(v -> sweep.pageDone());
    }

    /**
     * An order listed among a customer's orders that has no row goes with nothing to date it (a set's
     * elements have no WRITETIME on ScyllaDB): at {@code writeTime(versionBound, epoch)}, above any
     * write of an order as long as the longest stream. The tombstone is bounded, not forever: should a
     * client later create an order with that very id for that customer, it joins the customer's orders
     * again with a rebuild once its version reaches the bound.
     */
    private Future<Void> sweepCustomerOrders(Sweep sweep, List<CustomerOrders> customers) {
        List<CustomerOrder> listed = new ArrayList<>();
        customers.forEach(customer -> customer.orderIds()
                .forEach(id -> listed.add(new CustomerOrder(customer.customerId(), id))));
        return sweep.each(listed, one -> "sweeping order " + one.orderId() + " of customer " + one.customerId(),
                one -> readModel.orderRow(one.orderId()).compose(order -> {
                    if (order == null) {
                        return orphan(sweep, one.orderId(), () -> readModel.removeCustomerOrder(one.customerId(),
                                one.orderId(), Projection.writeTime(sweep.versionBound(), sweep.epoch())));
                    }
                    return one.customerId().equals(order.customerId()) ? NONE
                            : readModel.removeCustomerOrder(one.customerId(), one.orderId(),
                            Projection.writeTime(order.version(), sweep.epoch())).compose(v -> ONE);
                })).compose(v -> sweep.pageDone());
    }

    /**
     * For a row of an order with no row in order_read_model: {@code delete} when the order has no stream.
     * With a stream it is an order created after the replay whose live write is landing: left to it.
     */
    private static Future<Integer> orphan(Sweep sweep, UUID orderId, Supplier<Future<Void>> delete) {
        return sweep.hasStream(orderId).compose(exists -> exists ? NONE : delete.get().compose(v -> ONE));
    }

    private record CustomerOrder(UUID customerId, UUID orderId) {
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
