package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.KeyRanges;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.sync.SqlTasks;

/**
 * The source side of the range comparison: the chosen ranges cut into contiguous slices, each hashed
 * on a connection of its own that joins the sync's snapshot, so a source with cores to spare hashes a
 * large table in a fraction of the time. A key without a unique index is hashed on one connection:
 * every slice would scan the whole table.
 */
final class SourceRanges {

    /** Ranges per slice at least: below this, one more connection costs more than it saves. */
    static final int MIN_SLICE = 256;

    private SourceRanges() {
    }

    static KeyRanges.Digests hash(SourceSnapshot snapshot, SourceTable table, List<String> row, KeyOrder order, String where,
                                  String[][] bounds, int[] ranges, int connections) throws SQLException {
        KeyRanges.Digests into = KeyRanges.Digests.of(bounds[0].length + 1, false);
        int slices = table.keyIsUnique() ? Math.max(1, Math.min(connections, ranges.length / MIN_SLICE)) : 1;
        List<CompletableFuture<Void>> others = new ArrayList<>();
        for (int s = 1; s < slices; s++) {
            int[] slice = slice(ranges, s, slices);
            others.add(SqlTasks.start("originchain-range-hash", () -> {
                hashSlice(snapshot, table, row, order, where, bounds, slice, into);
                return null;
            }));
        }
        try {
            hashSlice(snapshot, table, row, order, where, bounds, slice(ranges, 0, slices), into);
        } finally {
            for (CompletableFuture<Void> other : others) {
                SqlTasks.join(other);
            }
        }
        return into;
    }

    private static int[] slice(int[] ranges, int s, int slices) {
        return Arrays.copyOfRange(ranges, (int) ((long) ranges.length * s / slices), (int) ((long) ranges.length * (s + 1) / slices));
    }

    private static void hashSlice(SourceSnapshot snapshot, SourceTable table, List<String> row, KeyOrder order, String where,
                                  String[][] bounds, int[] slice, KeyRanges.Digests into) throws SQLException {
        Connection connection = snapshot.joinSnapshot();
        try {
            try (Statement st = connection.createStatement()) {
                // One scan and one aggregate: compiling it costs more than it saves.
                st.execute("SET LOCAL jit = off");
            }
            // A unique index on the key (a btree) lets each range be read by an index range scan.
            KeyRanges.measure(connection, KeyRanges.Measure.CONTENT, row, SqlNames.qualified(table.schema(), table.name()),
                    order, where, bounds, slice, table.keyIsUnique(), into);
        } finally {
            Connections.rollbackAndClose(connection);
        }
    }
}
