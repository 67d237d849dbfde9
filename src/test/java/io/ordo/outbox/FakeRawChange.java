package io.ordo.outbox;

import com.scylladb.cdc.model.worker.ChangeSchema;
import com.scylladb.cdc.model.worker.RawChange;
import com.scylladb.cdc.model.worker.cql.Cell;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A row of a CDC log, as scylla-cdc-java hands it over, built without a cluster. */
final class FakeRawChange implements RawChange {

    private final ChangeSchema schema;
    private final Map<String, Object> values;

    private FakeRawChange(Map<String, Object> values, Map<String, ChangeSchema.CqlType> types) {
        this.values = values;
        List<ChangeSchema.ColumnDefinition> columns = new ArrayList<>();
        int index = 0;
        for (Map.Entry<String, ChangeSchema.CqlType> column : types.entrySet()) {
            ChangeSchema.DataType type = new ChangeSchema.DataType(column.getValue());
            columns.add(new ChangeSchema.ColumnDefinition(column.getKey(), index++, type,
                    column.getKey().startsWith("cdc$") ? null : type, ChangeSchema.ColumnKind.REGULAR));
        }
        this.schema = new ChangeSchema(columns);
    }

    /** A change of {@code outbox_messages} with the given CDC operation code (2 = row insert, 3 = row delete). */
    static FakeRawChange outboxRow(byte operation, UUID aggregateId, long sequenceNumber, UUID eventId) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, ChangeSchema.CqlType> types = new LinkedHashMap<>();
        values.put("cdc$stream_id", ByteBuffer.wrap(new byte[16]));
        types.put("cdc$stream_id", ChangeSchema.CqlType.BLOB);
        values.put("cdc$time", UUID.fromString("e0f8c3a0-4b1d-11ef-8000-000000000000"));
        types.put("cdc$time", ChangeSchema.CqlType.TIMEUUID);
        values.put("cdc$operation", operation);
        types.put("cdc$operation", ChangeSchema.CqlType.TINYINT);
        values.put("cdc$end_of_batch", true);
        types.put("cdc$end_of_batch", ChangeSchema.CqlType.BOOLEAN);
        values.put("aggregate_id", aggregateId);
        types.put("aggregate_id", ChangeSchema.CqlType.UUID);
        values.put("sequence_number", sequenceNumber);
        types.put("sequence_number", ChangeSchema.CqlType.BIGINT);
        values.put("event_id", eventId);
        types.put("event_id", ChangeSchema.CqlType.UUID);
        return new FakeRawChange(values, types);
    }

    @Override
    public ChangeSchema getSchema() {
        return schema;
    }

    @Override
    public Object getAsObject(ChangeSchema.ColumnDefinition column) {
        return values.get(column.getColumnName());
    }

    @Override
    public boolean isNull(ChangeSchema.ColumnDefinition column) {
        return values.get(column.getColumnName()) == null;
    }

    @Override
    public ByteBuffer getAsUnsafeBytes(ChangeSchema.ColumnDefinition column) {
        return null;
    }

    @Override
    public Cell getCell(ChangeSchema.ColumnDefinition column) {
        return new Cell() {
            @Override
            public ChangeSchema.ColumnDefinition getColumnDefinition() {
                return column;
            }

            @Override
            public ByteBuffer getAsUnsafeBytes() {
                return null;
            }

            @Override
            public Object getAsObject() {
                return values.get(column.getColumnName());
            }

            @Override
            public ChangeSchema.DataType getDataType() {
                return column.getCdcLogDataType();
            }
        };
    }
}
