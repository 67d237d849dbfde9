package io.ordo.outbox;

import com.scylladb.cdc.model.GenerationId;
import com.scylladb.cdc.model.StreamId;
import com.scylladb.cdc.model.Timestamp;
import com.scylladb.cdc.model.worker.ChangeId;
import com.scylladb.cdc.model.worker.ChangeTime;
import com.scylladb.cdc.model.worker.RawChange;
import com.scylladb.cdc.model.worker.TaskState;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The mapping from CDC log rows to hints, and the text form of a CDC task's position. */
class ScyllaCdcSourceTest {

    private static final byte ROW_INSERT = 2;
    private static final byte ROW_DELETE = 3;

    @Test
    void anInsertedIntentIsAHint() {
        UUID aggregate = UUID.randomUUID();
        UUID event = UUID.randomUUID();
        RawChange change = FakeRawChange.outboxRow(ROW_INSERT, aggregate, 7, event);
        assertEquals(RawChange.OperationType.ROW_INSERT, change.getOperationType());
        // e0f8c3a0-4b1d-11ef-8000-000000000000, the fake's cdc$time, is 2024-07-26T07:08:37.230Z
        assertEquals(Optional.of(OutboxHint.of(aggregate, 7, 1_721_977_717_230L)), ScyllaCdcSource.hintOf(change));
    }

    @Test
    void aDeletedIntentIsNoHint() {
        RawChange change = FakeRawChange.outboxRow(ROW_DELETE, UUID.randomUUID(), 7, UUID.randomUUID());
        assertEquals(Optional.empty(), ScyllaCdcSource.hintOf(change));
    }

    @Test
    void aTaskPositionRoundTripsThroughText() {
        TaskState fresh = TaskState.createInitialFor(new GenerationId(new Timestamp(new Date(1_700_000_000_000L))), 5_000);
        assertEquals(fresh, CdcTransport.decode(CdcTransport.encode(fresh)));

        byte[] stream = new byte[16];
        stream[0] = 0x7f;
        stream[15] = 0x01;
        ChangeId consumed = new ChangeId(new StreamId(ByteBuffer.wrap(stream)),
                new ChangeTime(UUID.fromString("e0f8c3a0-4b1d-11ef-8000-000000000000")));
        TaskState advanced = fresh.update(consumed);
        assertEquals(advanced, CdcTransport.decode(CdcTransport.encode(advanced)));
    }
}
