package ai.originchain.ingest.source;

import java.util.List;

import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.MappingReport;

/**
 * What to read of one source table, independent of the engine's SQL: its columns, the key, the order
 * the merge-diff needs (null: any order), and the report that collects warnings about values met on
 * the way (e.g. MySQL zero dates), and {@code where}: the mapping's filter and incremental cursor as a
 * condition already checked and quoted in the engine's SQL, or null, with the values its {@code ?}
 * placeholders are bound to in order ({@code parameters}: none for PostgreSQL, whose COPY takes none).
 */
public record TableQuery(SourceTable table, List<String> primaryKey, KeyOrder order, MappingReport report, String where,
                         List<String> parameters) {

    /** A read of the rows {@code where} selects, a condition without placeholders. */
    public TableQuery(SourceTable table, List<String> primaryKey, KeyOrder order, MappingReport report, String where) {
        this(table, primaryKey, order, report, where, List.of());
    }

    /** A read of every row. */
    public TableQuery(SourceTable table, List<String> primaryKey, KeyOrder order, MappingReport report) {
        this(table, primaryKey, order, report, null);
    }
}
