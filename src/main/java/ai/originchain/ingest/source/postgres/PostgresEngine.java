package ai.originchain.ingest.source.postgres;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.source.CatalogCheck;
import ai.originchain.ingest.source.SourceEngine;
import ai.originchain.ingest.source.SourceRead;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.source.TableQuery;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.KeyRanges;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.RowSource;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.TypeMap;

/**
 * PostgreSQL sources: an exported snapshot that every table reader joins, the pg_catalog, COPY text
 * straight from the server, and the identity type map ({@link TypeMap}).
 */
@Component
public class PostgresEngine implements SourceEngine {

    private final SourceConnector connector;
    private final SourceCatalog catalog;

    public PostgresEngine(SourceConnector connector, SourceCatalog catalog) {
        this.connector = connector;
        this.catalog = catalog;
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public List<TypeMap.Rule> typeRules() {
        return TypeMap.rules();
    }

    @Override
    public SourceRead begin(SyncRun run) throws SQLException {
        return within(run, SourceSnapshot.open(connector, run.source(), run.id()));
    }

    /** The run's read of {@code snapshot} (its own, or one exported elsewhere, e.g. by a replication slot). */
    public SourceRead within(SyncRun run, SourceSnapshot snapshot) {
        run.snapshot(snapshot);
        return new SourceRead() {
            @Override
            public CatalogCheck check(List<MappingSpec> mappings) throws SQLException {
                SourceCatalog.Checked checked = catalog.check(snapshot.coordinator(), mappings);
                List<List<String>> warnings = new ArrayList<>();
                checked.tables().forEach(t -> warnings.add(List.of()));
                return new CatalogCheck(checked.tables(), checked.errors(), warnings);
            }

            @Override
            public String firstDuplicateKey(SourceTable table, List<String> primaryKey) throws SQLException {
                // A scan of the table: a reader session, free of the catalog session's statement_timeout.
                try (java.sql.Connection reader = snapshot.joinSnapshot()) {
                    return catalog.firstDuplicateKey(reader, table, primaryKey);
                }
            }

            @Override
            public RowSource read(TableQuery query) throws SQLException {
                return TableReader.open(snapshot, query.table(), query.order(), query.where());
            }

            @Override
            public List<RowSource> readInParts(TableQuery query, int parts, long minPartBytes) throws SQLException {
                return TableReader.openParts(snapshot, query.table(), query.where(), parts, minPartBytes);
            }

            @Override
            public boolean ordersNumericKeys() {
                return true;
            }

            @Override
            public boolean hashesRanges() {
                return true;
            }

            @Override
            public KeyRanges.Digests hashRanges(SourceTable table, List<String> row, KeyOrder order, String where,
                                                String[][] bounds, int[] ranges, int connections) throws SQLException {
                return SourceRanges.hash(snapshot, table, row, order, where, bounds, ranges, connections);
            }

            @Override
            public void abort() {
                snapshot.abort();
            }

            @Override
            public void close() {
                snapshot.close();
            }
        };
    }
}
