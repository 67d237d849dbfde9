package io.ordo.projection;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The write times that let the highest version win in the read-model tables, whatever the order of the writes. */
class WriteTimeTest {

    private static final long MAX_EPOCH = (1L << Projection.EPOCH_BITS) - 1;

    @Property
    void aHigherVersionAlwaysWinsWhateverTheEpochs(@ForAll @LongRange(min = 0, max = 1L << 40) long version,
                                                   @ForAll @LongRange(min = 0, max = MAX_EPOCH) long olderEpoch,
                                                   @ForAll @LongRange(min = 0, max = MAX_EPOCH) long newerEpoch) {
        assertTrue(Projection.writeTime(version + 1, newerEpoch) > Projection.writeTime(version, olderEpoch));
    }

    @Property
    void atTheSameVersionALaterRebuildWins(@ForAll @LongRange(min = 0, max = 1L << 40) long version,
                                           @ForAll @LongRange(min = 0, max = MAX_EPOCH - 1) long epoch) {
        assertTrue(Projection.writeTime(version, epoch + 1) > Projection.writeTime(version, epoch));
    }

    @Test
    void anEpochOutsideItsBitsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Projection.writeTime(1, MAX_EPOCH + 1));
        assertThrows(IllegalArgumentException.class, () -> Projection.writeTime(1, -1));
    }
}
