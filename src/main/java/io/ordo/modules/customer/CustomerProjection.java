package io.ordo.modules.customer;

import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.customer.CustomerState;
import io.ordo.es.Aggregate;
import io.ordo.es.Decider;
import io.ordo.projection.Projection;
import io.ordo.projection.Sweep;
import io.vertx.core.Future;

import java.util.List;

/** Customers into {@code customer_read_model} (their orders come from the orders' projection). */
final class CustomerProjection implements Projection<CustomerState> {

    static final String NAME = "customers";

    private final CustomerReadModel readModel;
    private final CustomerDecider decider = new CustomerDecider();

    CustomerProjection(CustomerReadModel readModel) {
        this.readModel = readModel;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> tables() {
        return List.of("customer_read_model");
    }

    @Override
    public Decider<CustomerState, ?, ?> decider() {
        return decider;
    }

    /**
     * Customers with no stream lose what this projection wrote of them, at the row's own write time
     * (nothing else will ever write them); their orders are the orders projection's to sweep.
     */
    @Override
    public Future<Void> sweep(Sweep sweep) {
        return readModel.forEachCustomerRowPage(sweep.pageSize(), sweep.retry(), rows -> sweep.each(
                rows.stream().filter(row -> row.version() != null).toList(),
                row -> "sweeping customer " + row.customerId(),
                row -> sweep.hasStream(row.customerId()).compose(exists -> exists ? Future.succeededFuture(0)
                        : readModel.deleteCustomerDetails(row.customerId(), row.writeTime()).map(1)))
                .compose(v -> sweep.pageDone()));
    }

    @Override
    public Future<Void> write(Aggregate<CustomerState> customer, Aggregate<CustomerState> previous, long writeTime) {
        return readModel.writeCustomer(customer, writeTime);
    }
}
