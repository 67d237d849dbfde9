package io.ordo.es;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Given-when-then for deciders: {@code given(events).when(command).then(events)} or
 * {@code .thenRejected(code)}. The given events are folded through {@code evolve}, exactly as
 * replay would.
 */
public final class DeciderFixture<S, C, E extends DomainEvent> {

    private final Decider<S, C, E> decider;

    private DeciderFixture(Decider<S, C, E> decider) {
        this.decider = decider;
    }

    public static <S, C, E extends DomainEvent> DeciderFixture<S, C, E> forDecider(Decider<S, C, E> decider) {
        return new DeciderFixture<>(decider);
    }

    @SafeVarargs
    public final Given given(E... history) {
        S state = decider.initialState();
        for (E event : history) {
            state = decider.evolve(state, event);
        }
        return new Given(state);
    }

    public final class Given {
        private final S state;

        private Given(S state) {
            this.state = state;
        }

        public When when(C command) {
            return new When(state, decider.decide(state, command));
        }
    }

    public final class When {
        private final S before;
        private final Decision<E> decision;

        private When(S before, Decision<E> decision) {
            this.before = before;
            this.decision = decision;
        }

        @SafeVarargs
        public final When then(E... expected) {
            if (decision instanceof Decision.Rejected<E> rejected) {
                fail("expected events " + Arrays.toString(expected) + " but the command was rejected: "
                        + rejected.rejection());
            }
            assertEquals(List.of(expected), ((Decision.Accepted<E>) decision).events());
            return this;
        }

        public When thenNothingHappens() {
            return then();
        }

        public When thenRejected(RejectionCode code) {
            if (!(decision instanceof Decision.Rejected<E> rejected)) {
                throw new AssertionError("expected rejection " + code.name() + " but got " + decision);
            }
            assertEquals(code, rejected.rejection().code(), () -> "rejection message: " + rejected.rejection().message());
            return this;
        }

        /** Checks the state after the decided events are applied. */
        public When thenState(Consumer<S> check) {
            S state = before;
            for (E event : ((Decision.Accepted<E>) decision).events()) {
                state = decider.evolve(state, event);
            }
            check.accept(state);
            return this;
        }
    }
}
