package io.ordo.domain.order;

/**
 * An amount in a currency's minor units (cents for USD), so sums are exact.
 * Validated where commands are decided, not here, so that stored events always replay.
 *
 * @param currency ISO-4217 code, e.g. {@code EUR}
 */
public record Money(long amountMinor, String currency) {

    public Money plus(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot add " + other.currency + " to " + currency);
        }
        return new Money(Math.addExact(amountMinor, other.amountMinor), currency);
    }

    public Money times(int quantity) {
        return new Money(Math.multiplyExact(amountMinor, quantity), currency);
    }

    boolean isValid() {
        return amountMinor >= 0 && currency != null && currency.matches("[A-Z]{3}");
    }
}
