package ai.originchain.ingest.source;

import java.util.List;

/**
 * A source table checked against the catalog.
 *
 * @param columns        the columns to read, in the mapping's order (or the table's, when it named none)
 * @param keyIsUnique    whether a unique index or constraint covers exactly the mapping's primary key,
 *                       so no batch can carry a key twice
 * @param estimatedRows  {@code pg_class.reltuples}, for progress; -1 when never analyzed
 */
public record SourceTable(String schema, String name, List<SourceColumn> columns, boolean keyIsUnique,
                          long estimatedRows) {
}
