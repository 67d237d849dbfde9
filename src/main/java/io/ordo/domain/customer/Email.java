package io.ordo.domain.customer;

import io.ordo.es.InvalidValueException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A customer's email address, trimmed and lower-cased so that one mailbox has one spelling
 * (uniqueness is checked on this form).
 */
public record Email(String value) {

    public static final String INVALID = "EMAIL_INVALID";
    static final int MAX_LENGTH = 254;
    private static final Pattern SHAPE = Pattern.compile(
            "[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    + "@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}");

    /** Parses raw input; anything that is not a plausible address is an {@link InvalidValueException}. */
    public static Email parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new InvalidValueException(INVALID, "email address is required");
        }
        String value = raw.strip().toLowerCase(Locale.ROOT);
        if (value.length() > MAX_LENGTH) {
            throw new InvalidValueException(INVALID, "email address is longer than " + MAX_LENGTH + " characters");
        }
        int at = value.indexOf('@');
        if (!SHAPE.matcher(value).matches() || at > 64) {
            throw new InvalidValueException(INVALID, "'" + raw.strip() + "' is not a valid email address");
        }
        return new Email(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
