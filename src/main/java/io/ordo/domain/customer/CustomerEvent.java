package io.ordo.domain.customer;

import io.ordo.es.DomainEvent;
import io.ordo.es.EventType;

import java.util.List;

/**
 * What happened to a customer. Payloads hold plain strings, not value objects, so that a stored
 * event always replays even if validation rules tighten later.
 */
public sealed interface CustomerEvent extends DomainEvent {

    List<EventType<? extends CustomerEvent>> TYPES = List.of(
            CustomerRegistered.TYPE, CustomerDetailsUpdated.TYPE, CustomerEmailChanged.TYPE,
            CustomerDeactivated.TYPE, CustomerReactivated.TYPE);

    record CustomerRegistered(String email, String firstName, String lastName, String phone) implements CustomerEvent {
        public static final EventType<CustomerRegistered> TYPE =
                EventType.of("CustomerRegistered", 1, CustomerRegistered.class);

        @Override
        public EventType<CustomerRegistered> type() {
            return TYPE;
        }
    }

    record CustomerDetailsUpdated(String firstName, String lastName, String phone) implements CustomerEvent {
        public static final EventType<CustomerDetailsUpdated> TYPE =
                EventType.of("CustomerDetailsUpdated", 1, CustomerDetailsUpdated.class);

        @Override
        public EventType<CustomerDetailsUpdated> type() {
            return TYPE;
        }
    }

    /** @param previousEmail the address released by this change */
    record CustomerEmailChanged(String previousEmail, String email) implements CustomerEvent {
        public static final EventType<CustomerEmailChanged> TYPE =
                EventType.of("CustomerEmailChanged", 1, CustomerEmailChanged.class);

        @Override
        public EventType<CustomerEmailChanged> type() {
            return TYPE;
        }
    }

    record CustomerDeactivated(String reason) implements CustomerEvent {
        public static final EventType<CustomerDeactivated> TYPE =
                EventType.of("CustomerDeactivated", 1, CustomerDeactivated.class);

        @Override
        public EventType<CustomerDeactivated> type() {
            return TYPE;
        }
    }

    record CustomerReactivated() implements CustomerEvent {
        public static final EventType<CustomerReactivated> TYPE =
                EventType.of("CustomerReactivated", 1, CustomerReactivated.class);

        @Override
        public EventType<CustomerReactivated> type() {
            return TYPE;
        }
    }
}
