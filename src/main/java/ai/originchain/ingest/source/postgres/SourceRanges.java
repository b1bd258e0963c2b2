package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.KeyRanges;
import ai.originchain.ingest.sync.SqlNames;

/** The source side of the range comparison: one query in the sync's snapshot, one row per range. */
final class SourceRanges {

    private SourceRanges() {
    }

    static KeyRanges.Digests hash(SourceSnapshot snapshot, SourceTable table, List<String> row, KeyOrder order, String where,
                                  String[][] bounds, boolean few) throws SQLException {
        Connection connection = snapshot.joinSnapshot();
        try {
            try (Statement st = connection.createStatement()) {
                // One scan and one aggregate: compiling it costs more than it saves.
                st.execute("SET LOCAL jit = off");
            }
            // A unique index on the key (a btree) lets each range be read by an index range scan.
            return KeyRanges.hash(connection, row, SqlNames.qualified(table.schema(), table.name()), order, where, bounds,
                    table.keyIsUnique() && !few);
        } finally {
            SourceSnapshot.closeQuietly(connection);
        }
    }
}
