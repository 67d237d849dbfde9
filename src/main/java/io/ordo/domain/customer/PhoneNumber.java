package io.ordo.domain.customer;

import io.ordo.es.InvalidValueException;

/**
 * A phone number in international (E.164) form, e.g. {@code +15550123}: input may contain spaces,
 * dashes, dots and parentheses, which are dropped.
 */
public record PhoneNumber(String value) {

    public static final String INVALID = "PHONE_INVALID";
    static final int MIN_DIGITS = 7;
    static final int MAX_DIGITS = 15;

    public static PhoneNumber parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new InvalidValueException(INVALID, "phone number is empty");
        }
        String stripped = raw.strip();
        if (!stripped.startsWith("+")) {
            throw new InvalidValueException(INVALID, "phone number must start with + and the country code");
        }
        StringBuilder digits = new StringBuilder(MAX_DIGITS + 1).append('+');
        for (int i = 1; i < stripped.length(); i++) {
            char c = stripped.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
                throw new InvalidValueException(INVALID, "phone number contains '" + c + "'");
            }
        }
        int count = digits.length() - 1;
        if (count < MIN_DIGITS || count > MAX_DIGITS || digits.charAt(1) == '0') {
            throw new InvalidValueException(INVALID, "phone number needs " + MIN_DIGITS + " to " + MAX_DIGITS
                    + " digits after + and a country code that does not start with 0");
        }
        return new PhoneNumber(digits.toString());
    }

    /** Parses optional input: null or blank means no phone number. */
    public static PhoneNumber parseOptional(String raw) {
        return raw == null || raw.isBlank() ? null : parse(raw);
    }

    @Override
    public String toString() {
        return value;
    }
}
