package ai.originchain.ingest.sync;

import java.util.List;

/**
 * One table to sync. {@code columns} is null when the request named none (all columns).
 * {@code index} is the mapping's position in the request, for error field names.
 */
public record MappingSpec(int index, String sourceSchema, String sourceTable, String targetSchema,
                          List<String> primaryKey, List<String> columns, MappingMode mode) {

    /** A plain upsert mapping. */
    public MappingSpec(int index, String sourceSchema, String sourceTable, String targetSchema,
                       List<String> primaryKey, List<String> columns) {
        this(index, sourceSchema, sourceTable, targetSchema, primaryKey, columns, MappingMode.UPSERT);
    }

    public String sourceTableName() {
        return sourceSchema + "." + sourceTable;
    }

    public String field(String name) {
        return "mappings[" + index + "]." + name;
    }
}
