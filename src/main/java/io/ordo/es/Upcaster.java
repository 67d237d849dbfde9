package io.ordo.es;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns one stored payload version of an event type into the next ({@code fromVersion} to
 * {@code fromVersion + 1}). Chained on read until the payload reaches the current version; the
 * stored event itself is never rewritten.
 */
public interface Upcaster {

    String eventType();

    int fromVersion();

    /** May modify and return {@code payload}, which is the caller's own copy. */
    ObjectNode upcast(ObjectNode payload);
}
