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
import io.ordo.es.DeciderFixture;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.ordo.domain.customer.CustomerRejection.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CustomerDeciderTest {

    private final DeciderFixture<CustomerState, CustomerCommand, CustomerEvent> customer =
            DeciderFixture.forDecider(new CustomerDecider());

    private static final UUID ID = UUID.fromString("00000000-0000-0000-0000-0000000000c1");
    private static final Email JOHN = Email.parse("john.doe@example.com");

    private static CustomerRegistered registered() {
        return new CustomerRegistered("john.doe@example.com", "John", "Doe", "+15550123");
    }

    @Test
    void registersACustomer() {
        customer.given()
                .when(new RegisterCustomer(ID, JOHN, " John ", "Doe", PhoneNumber.parse("+1-555-0123")))
                .then(registered())
                .thenState(state -> assertEquals(CustomerStatus.ACTIVE, state.status()));
    }

    @Test
    void registersOnce() {
        customer.given(registered()).when(new RegisterCustomer(ID, JOHN, "John", "Doe", null))
                .thenRejected(CUSTOMER_ALREADY_REGISTERED);
    }

    @Test
    void registrationNeedsAnEmail() {
        customer.given().when(new RegisterCustomer(ID, null, "John", "Doe", null)).thenRejected(CUSTOMER_EMAIL_REQUIRED);
    }

    @Test
    void namesAreNonBlank() {
        customer.given().when(new RegisterCustomer(ID, JOHN, " ", "Doe", null)).thenRejected(CUSTOMER_NAME_REQUIRED);
        customer.given().when(new RegisterCustomer(ID, JOHN, "John", null, null)).thenRejected(CUSTOMER_NAME_REQUIRED);
        customer.given(registered()).when(new UpdateCustomerDetails("", "Doe", null)).thenRejected(CUSTOMER_NAME_REQUIRED);
    }

    @Test
    void namesAreBounded() {
        String longName = "a".repeat(CustomerDecider.MAX_NAME + 1);
        customer.given().when(new RegisterCustomer(ID, JOHN, longName, "Doe", null)).thenRejected(CUSTOMER_NAME_TOO_LONG);
        customer.given(registered()).when(new UpdateCustomerDetails("John", longName, null))
                .thenRejected(CUSTOMER_NAME_TOO_LONG);
    }

    @Test
    void commandsOtherThanRegisterNeedACustomer() {
        customer.given().when(new ChangeEmail(JOHN)).thenRejected(CUSTOMER_NOT_FOUND);
        customer.given().when(new ReactivateCustomer()).thenRejected(CUSTOMER_NOT_FOUND);
    }

    @Test
    void updatesDetailsAndIgnoresARepeat() {
        customer.given(registered()).when(new UpdateCustomerDetails("Johnny", "Doe", null))
                .then(new CustomerDetailsUpdated("Johnny", "Doe", null));
        customer.given(registered()).when(new UpdateCustomerDetails("John", "Doe", PhoneNumber.parse("+1 555 0123")))
                .thenNothingHappens();
    }

    @Test
    void changesEmailAndRemembersThePreviousOne() {
        customer.given(registered()).when(new ChangeEmail(Email.parse("John@New.example.org")))
                .then(new CustomerEmailChanged("john.doe@example.com", "john@new.example.org"));
        customer.given(registered()).when(new ChangeEmail(Email.parse("JOHN.DOE@example.com"))).thenNothingHappens();
        customer.given(registered()).when(new ChangeEmail(null)).thenRejected(CUSTOMER_EMAIL_REQUIRED);
    }

    @Test
    void aDeactivatedCustomerAcceptsOnlyReactivation() {
        CustomerEvent[] history = {registered(), new CustomerDeactivated("fraud check")};
        customer.given(history).when(new UpdateCustomerDetails("J", "D", null)).thenRejected(CUSTOMER_DEACTIVATED);
        customer.given(history).when(new ChangeEmail(Email.parse("x@example.com"))).thenRejected(CUSTOMER_DEACTIVATED);
        customer.given(history).when(new DeactivateCustomer(null)).thenRejected(CUSTOMER_DEACTIVATED);
        customer.given(history).when(new ReactivateCustomer()).then(new CustomerReactivated())
                .thenState(state -> assertEquals(CustomerStatus.ACTIVE, state.status()));
    }

    @Test
    void deactivatesWithABoundedReason() {
        customer.given(registered()).when(new DeactivateCustomer("moved away")).then(new CustomerDeactivated("moved away"))
                .thenState(state -> assertEquals("moved away", state.deactivationReason()));
        customer.given(registered()).when(new DeactivateCustomer("x".repeat(CustomerDecider.MAX_REASON + 1)))
                .thenRejected(CUSTOMER_REASON_TOO_LONG);
    }

    @Test
    void reactivatingAnActiveCustomerIsRejected() {
        customer.given(registered()).when(new ReactivateCustomer()).thenRejected(CUSTOMER_ALREADY_ACTIVE);
    }
}
