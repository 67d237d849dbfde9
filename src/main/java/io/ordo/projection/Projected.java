package io.ordo.projection;

import java.time.Instant;
import java.util.UUID;

/**
 * Published on {@code Addresses.PROJECTED} after a projection wrote an aggregate at {@code version}.
 *
 * @param eventTime the time of the oldest event the write covered (its lag is the write's worst)
 */
public record Projected(String aggregateType, UUID aggregateId, long version, Instant eventTime) {
}
