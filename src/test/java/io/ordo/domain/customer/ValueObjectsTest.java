package io.ordo.domain.customer;

import io.ordo.es.InvalidValueException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ValueObjectsTest {

    @ParameterizedTest
    @CsvSource({
            "john.doe@example.com, john.doe@example.com",
            "'  John.Doe@Example.COM ', john.doe@example.com",
            "a+tag@sub.domain.io, a+tag@sub.domain.io"})
    void emailsAreNormalised(String raw, String expected) {
        assertEquals(expected, Email.parse(raw).value());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"plain", "@example.com", "john@", "john@@example.com", "john@example", "john doe@example.com",
            "john@-example.com", "john..doe@example.com", ".john@example.com"})
    void invalidEmailsAreRefusedWithACode(String raw) {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> Email.parse(raw));
        assertEquals(Email.INVALID, e.code());
    }

    @ParameterizedTest
    @ValueSource(ints = {255, 300})
    void overlongEmailsAreRefused(int length) {
        String raw = "a".repeat(length - "@example.com".length()) + "@example.com";
        assertEquals(Email.INVALID, assertThrows(InvalidValueException.class, () -> Email.parse(raw)).code());
    }

    @ParameterizedTest
    @CsvSource({
            "+1-555-0123, +15550123",
            "'+44 (20) 7946.0958', +442079460958",
            "+4915112345678, +4915112345678"})
    void phoneNumbersAreNormalised(String raw, String expected) {
        assertEquals(expected, PhoneNumber.parse(raw).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"5550123", "+1 555", "+1234567890123456", "+1-555-0123 ext 4", "+0 555 0123 45", "++15550123"})
    void invalidPhoneNumbersAreRefusedWithACode(String raw) {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> PhoneNumber.parse(raw));
        assertEquals(PhoneNumber.INVALID, e.code());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void anAbsentPhoneNumberIsNone(String raw) {
        assertNull(PhoneNumber.parseOptional(raw));
    }
}
