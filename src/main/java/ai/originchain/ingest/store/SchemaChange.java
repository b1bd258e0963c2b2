package ai.originchain.ingest.store;

import ai.originchain.ingest.sql.SqlNames;

/** A change a rerun applies to an existing target table: a new column, or a widened type. */
public record SchemaChange(String column, String fromType, String toType) {

    public boolean isNewColumn() {
        return fromType == null;
    }

    public String ddl(TargetPlan plan) {
        String table = SqlNames.qualified(plan.tenant(), plan.table());
        return isNewColumn()
                ? "ALTER TABLE " + table + " ADD COLUMN " + SqlNames.quote(column) + " " + toType
                : "ALTER TABLE " + table + " ALTER COLUMN " + SqlNames.quote(column) + " TYPE " + toType;
    }

    public String describe() {
        return isNewColumn()
                ? "added column " + column + " " + toType
                : "widened column " + column + " from " + fromType + " to " + toType;
    }
}
