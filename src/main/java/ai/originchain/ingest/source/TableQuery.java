package ai.originchain.ingest.source;

import java.util.List;

import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.MappingReport;

/**
 * What to read of one source table, independent of the engine's SQL: its columns, the key, the order
 * the merge-diff needs (null: any order), and the report that collects warnings about values met on
 * the way (e.g. MySQL zero dates), and {@code where}: the mapping's filter and incremental cursor as a
 * condition already checked and quoted in the engine's SQL (only PostgreSQL renders one today), or null.
 */
public record TableQuery(SourceTable table, List<String> primaryKey, KeyOrder order, MappingReport report, String where) {

    /** A read of every row. */
    public TableQuery(SourceTable table, List<String> primaryKey, KeyOrder order, MappingReport report) {
        this(table, primaryKey, order, report, null);
    }
}
