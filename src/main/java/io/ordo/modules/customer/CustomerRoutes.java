package io.ordo.modules.customer;

import io.ordo.domain.customer.CustomerCommand;
import io.ordo.domain.customer.Email;
import io.ordo.domain.customer.PhoneNumber;
import io.ordo.http.Gateway;
import io.ordo.http.RequestReader;
import io.vertx.ext.web.Router;

import java.util.Set;

/** The customers' HTTP routes: their commands, and their row of the read model. */
final class CustomerRoutes {

    static final String SUMMARY = "summary";

    private CustomerRoutes() {
    }

    static void mount(Gateway customers) {
        Router router = customers.router();
        router.post("/customers").handler(ctx -> {
            RequestReader body = customers.body(ctx, Set.of("customerId", "email", "firstName", "lastName", "phone"));
            var id = customers.newId(ctx, body.optionalUuid("customerId"));
            customers.command(ctx, id, new CustomerCommand.RegisterCustomer(id, body.parsed("email", Email::parse),
                    body.string("firstName"), body.string("lastName"), body.optionalParsed("phone", PhoneNumber::parseOptional)),
                    Gateway.Answer.CREATED);
        });
        router.put("/customers/:id").handler(ctx -> {
            RequestReader body = customers.body(ctx, Set.of("firstName", "lastName", "phone"));
            customers.command(ctx, customers.pathId(ctx), new CustomerCommand.UpdateCustomerDetails(body.string("firstName"),
                    body.string("lastName"), body.optionalParsed("phone", PhoneNumber::parseOptional)), Gateway.Answer.UPDATED);
        });
        router.post("/customers/:id/email").handler(ctx -> customers.command(ctx, customers.pathId(ctx),
                new CustomerCommand.ChangeEmail(customers.body(ctx, Set.of("email")).parsed("email", Email::parse)),
                Gateway.Answer.UPDATED));
        router.post("/customers/:id/deactivate").handler(ctx -> customers.command(ctx, customers.pathId(ctx),
                new CustomerCommand.DeactivateCustomer(customers.body(ctx, Set.of("reason")).optionalString("reason")),
                Gateway.Answer.UPDATED));
        router.post("/customers/:id/reactivate").handler(ctx -> {
            customers.body(ctx, Set.of());
            customers.command(ctx, customers.pathId(ctx), new CustomerCommand.ReactivateCustomer(), Gateway.Answer.UPDATED);
        });
        router.get("/customers/:id/summary").handler(ctx -> customers.summary(ctx, SUMMARY, customers.pathId(ctx)));
    }
}
