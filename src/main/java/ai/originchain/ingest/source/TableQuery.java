package ai.originchain.ingest.source;

import java.util.List;

import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.MappingReport;

/**
 * What to read of one source table, independent of the engine's SQL: its columns, the key, the order
 * the merge-diff needs (null: any order), and the report that collects warnings about values met on
 * the way (e.g. MySQL zero dates). A mapping's filter and incremental cursor belong here too, each
 * engine rendering them as its own WHERE clause.
 */
public record TableQuery(SourceTable table, List<String> primaryKey, KeyOrder order, MappingReport report) {
}
