package io.ordo.domain.customer;

import io.ordo.domain.customer.CustomerCommand.ChangeEmail;
import io.ordo.domain.customer.CustomerCommand.DeactivateCustomer;
import io.ordo.domain.customer.CustomerCommand.ReactivateCustomer;
import io.ordo.domain.customer.CustomerCommand.RegisterCustomer;
import io.ordo.domain.customer.CustomerCommand.UpdateCustomerDetails;
import io.ordo.domain.customer.CustomerEvent.CustomerDeactivated;
import io.ordo.domain.customer.CustomerEvent.CustomerDetailsUpdated;
import io.ordo.domain.customer.CustomerEvent.CustomerEmailChanged;
import io.ordo.domain.customer.CustomerEvent.CustomerReactivated;
import io.ordo.domain.customer.CustomerEvent.CustomerRegistered;
import io.ordo.es.Decider;
import io.ordo.es.Decision;
import io.ordo.es.EventType;

import java.util.List;
import java.util.Objects;

import static io.ordo.domain.customer.CustomerRejection.*;

/**
 * The customer's business rules: registered once, with non-blank bounded names; a deactivated
 * customer accepts only reactivation. Repeating the current details or email changes nothing.
 * Email uniqueness across customers is the store's job (it spans aggregates).
 */
public final class CustomerDecider implements Decider<CustomerState, CustomerCommand, CustomerEvent> {

    public static final String AGGREGATE_TYPE = "Customer";
    public static final int MAX_NAME = 100;
    public static final int MAX_REASON = 500;

    @Override
    public String aggregateType() {
        return AGGREGATE_TYPE;
    }

    @Override
    public List<EventType<? extends CustomerEvent>> eventTypes() {
        return CustomerEvent.TYPES;
    }

    @Override
    public Class<CustomerEvent> eventClass() {
        return CustomerEvent.class;
    }

    @Override
    public Class<CustomerCommand> commandClass() {
        return CustomerCommand.class;
    }

    @Override
    public Class<CustomerState> stateClass() {
        return CustomerState.class;
    }

    @Override
    public CustomerState initialState() {
        return CustomerState.NONE;
    }

    @Override
    public Decision<CustomerEvent> decide(CustomerState state, CustomerCommand command) {
        if (command instanceof RegisterCustomer register) {
            return register(state, register);
        }
        if (!state.exists()) {
            return Decision.reject(CUSTOMER_NOT_FOUND, "customer does not exist");
        }
        if (command instanceof ReactivateCustomer) {
            return state.isActive()
                    ? Decision.reject(CUSTOMER_ALREADY_ACTIVE, "customer is already active")
                    : Decision.accept(new CustomerReactivated());
        }
        if (!state.isActive()) {
            return Decision.reject(CUSTOMER_DEACTIVATED, "customer is deactivated; only reactivation is accepted");
        }
        if (command instanceof UpdateCustomerDetails update) {
            return updateDetails(state, update);
        }
        if (command instanceof ChangeEmail change) {
            return changeEmail(state, change);
        }
        if (command instanceof DeactivateCustomer deactivate) {
            if (deactivate.reason() != null && deactivate.reason().length() > MAX_REASON) {
                return Decision.reject(CUSTOMER_REASON_TOO_LONG, "reason is longer than " + MAX_REASON + " characters");
            }
            return Decision.accept(new CustomerDeactivated(deactivate.reason()));
        }
        throw new IllegalArgumentException("unknown customer command " + command);
    }

    @Override
    public CustomerState evolve(CustomerState state, CustomerEvent event) {
        if (event instanceof CustomerRegistered registered) {
            return new CustomerState(registered.email(), registered.firstName(), registered.lastName(),
                    registered.phone(), CustomerStatus.ACTIVE, null);
        }
        if (event instanceof CustomerDetailsUpdated updated) {
            return new CustomerState(state.email(), updated.firstName(), updated.lastName(), updated.phone(),
                    state.status(), state.deactivationReason());
        }
        if (event instanceof CustomerEmailChanged changed) {
            return new CustomerState(changed.email(), state.firstName(), state.lastName(), state.phone(),
                    state.status(), state.deactivationReason());
        }
        if (event instanceof CustomerDeactivated deactivated) {
            return new CustomerState(state.email(), state.firstName(), state.lastName(), state.phone(),
                    CustomerStatus.DEACTIVATED, deactivated.reason());
        }
        if (event instanceof CustomerReactivated) {
            return new CustomerState(state.email(), state.firstName(), state.lastName(), state.phone(),
                    CustomerStatus.ACTIVE, null);
        }
        throw new IllegalArgumentException("unknown customer event " + event);
    }

    private Decision<CustomerEvent> register(CustomerState state, RegisterCustomer command) {
        if (state.exists()) {
            return Decision.reject(CUSTOMER_ALREADY_REGISTERED, "customer is already registered");
        }
        if (command.email() == null) {
            return Decision.reject(CUSTOMER_EMAIL_REQUIRED, "a customer needs an email address");
        }
        Decision<CustomerEvent> invalid = validateNames(command.firstName(), command.lastName());
        if (invalid != null) {
            return invalid;
        }
        return Decision.accept(new CustomerRegistered(command.email().value(), command.firstName().strip(),
                command.lastName().strip(), phone(command.phone())));
    }

    private Decision<CustomerEvent> updateDetails(CustomerState state, UpdateCustomerDetails command) {
        Decision<CustomerEvent> invalid = validateNames(command.firstName(), command.lastName());
        if (invalid != null) {
            return invalid;
        }
        String first = command.firstName().strip();
        String last = command.lastName().strip();
        String phone = phone(command.phone());
        if (first.equals(state.firstName()) && last.equals(state.lastName()) && Objects.equals(phone, state.phone())) {
            return Decision.accept();
        }
        return Decision.accept(new CustomerDetailsUpdated(first, last, phone));
    }

    private Decision<CustomerEvent> changeEmail(CustomerState state, ChangeEmail command) {
        if (command.email() == null) {
            return Decision.reject(CUSTOMER_EMAIL_REQUIRED, "a customer needs an email address");
        }
        if (command.email().value().equals(state.email())) {
            return Decision.accept();
        }
        return Decision.accept(new CustomerEmailChanged(state.email(), command.email().value()));
    }

    private static Decision<CustomerEvent> validateNames(String firstName, String lastName) {
        if (firstName == null || firstName.isBlank() || lastName == null || lastName.isBlank()) {
            return Decision.reject(CUSTOMER_NAME_REQUIRED, "first and last name are required");
        }
        if (firstName.strip().length() > MAX_NAME || lastName.strip().length() > MAX_NAME) {
            return Decision.reject(CUSTOMER_NAME_TOO_LONG, "names are at most " + MAX_NAME + " characters");
        }
        return null;
    }

    private static String phone(PhoneNumber phone) {
        return phone == null ? null : phone.value();
    }
}
