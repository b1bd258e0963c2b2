package ai.originchain.ingest.store;

import java.util.List;

import ai.originchain.ingest.typemap.TargetColumn;

/**
 * The target table of a mapping: {@code tenant.table}, the columns the sync writes, and the key.
 *
 * @param exists      whether the table was already there when the sync was planned
 * @param changes     what a rerun must change in the existing table first (new columns, widened types)
 */
public record TargetPlan(String tenant, String table, List<TargetColumn> columns, List<String> primaryKey,
                         boolean exists, List<SchemaChange> changes) {

    public TargetPlan(String tenant, String table, List<TargetColumn> columns, List<String> primaryKey, boolean exists) {
        this(tenant, table, columns, primaryKey, exists, List.of());
    }
}
