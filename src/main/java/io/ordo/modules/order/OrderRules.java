package io.ordo.modules.order;

import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.customer.CustomerState;
import io.ordo.domain.order.OrderCommand;
import io.ordo.domain.order.OrderEvent;
import io.ordo.domain.order.OrderRejection;
import io.ordo.domain.order.OrderState;
import io.ordo.es.Rejection;
import io.ordo.module.CommandRules;
import io.ordo.module.OtherAggregates;
import io.vertx.core.Future;

import java.util.UUID;

/** An order's rule that looks across aggregates: its customer exists and is active when it is created. */
final class OrderRules implements CommandRules<OrderState, OrderCommand, OrderEvent> {

    @Override
    public Future<Rejection> precondition(OrderCommand command, UUID id, OtherAggregates others) {
        if (!(command instanceof OrderCommand.CreateOrder create) || create.customerId() == null) {
            return Future.succeededFuture(null);
        }
        return others.load(CustomerDecider.AGGREGATE_TYPE, create.customerId()).map(customer -> {
            if (customer.isEmpty() || !customer.get().exists()) {
                return OrderRejection.ORDER_CUSTOMER_UNKNOWN.because("customer " + create.customerId() + " does not exist");
            }
            return ((CustomerState) customer.get().state()).isActive() ? null
                    : OrderRejection.ORDER_CUSTOMER_INACTIVE.because("customer " + create.customerId() + " is deactivated");
        });
    }
}
