package io.ordo.modules.customer;

import io.ordo.domain.customer.CustomerCommand;
import io.ordo.domain.customer.CustomerDecider;
import io.ordo.domain.customer.CustomerEvent;
import io.ordo.domain.customer.CustomerRejection;
import io.ordo.domain.customer.CustomerState;
import io.ordo.es.Decider;
import io.ordo.es.RejectionCode;
import io.ordo.http.Gateway;
import io.ordo.module.AggregateModule;
import io.ordo.module.CommandRules;
import io.ordo.module.UniqueValue;
import io.ordo.projection.ReadSide;
import io.ordo.store.ReadModelSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Customers as an aggregate module: registered with a unique email address, maintained, deactivated, reactivated. */
public final class CustomerModule implements AggregateModule<CustomerState, CustomerCommand, CustomerEvent> {

    public static final String TOPIC = "customer-events";

    private final CustomerDecider decider = new CustomerDecider();

    @Override
    public Decider<CustomerState, CustomerCommand, CustomerEvent> decider() {
        return decider;
    }

    @Override
    public String topic() {
        return TOPIC;
    }

    @Override
    public String collection() {
        return "customers";
    }

    @Override
    public String idField() {
        return "customerId";
    }

    @Override
    public JsonObject represent(CustomerState state) {
        return CustomerRepresentation.of(state);
    }

    @Override
    public RejectionCode notFound() {
        return CustomerRejection.CUSTOMER_NOT_FOUND;
    }

    @Override
    public void routes(Gateway gateway) {
        CustomerRoutes.mount(gateway);
    }

    @Override
    public Future<ReadSide<CustomerState>> readSide(ReadModelSession session) {
        return CustomerReadModel.prepare(session).map(readModel -> new ReadSide<>(List.of(new CustomerProjection(readModel)),
                Map.of(CustomerRoutes.SUMMARY, params -> readModel.summary(UUID.fromString(params.getString("id"))))));
    }

    @Override
    public List<String> schemaFiles() {
        return List.of("schema/modules/customer/V1__read_models.cql");
    }

    @Override
    public CommandRules<CustomerState, CustomerCommand, CustomerEvent> rules() {
        return new CommandRules<>() {
            @Override
            public List<UniqueValue<CustomerState, CustomerEvent>> uniqueValues() {
                return List.of(new CustomerEmails());
            }
        };
    }

    @Override
    public String openApiDocument() {
        return "openapi.yaml";
    }
}
