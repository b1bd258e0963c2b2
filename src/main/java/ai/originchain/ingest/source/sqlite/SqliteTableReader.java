package ai.originchain.ingest.source.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.StringJoiner;

import ai.originchain.ingest.failure.SourceRowTooLarge;
import ai.originchain.ingest.source.CopyTextRow;
import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sync.RowSource;

/**
 * Streams one SQLite table as COPY text rows, each value rendered from its own storage class:
 * integers and reals as their shortest exact text, text escaped, blobs as {@code bytea} hex.
 */
final class SqliteTableReader implements RowSource {

    /** A key value longer than this is not shown in the error of a row too large. */
    private static final int SHOWN_KEY_BYTES = 256;

    private final Connection connection;
    private final ResultSet rows;
    private final List<String> columns;
    private final List<String> primaryKey;
    private final long maxRowBytes;
    private final CopyTextRow row = new CopyTextRow();
    private boolean ended;

    /** {@code rows} holds each column's {@code octet_length} first, then the columns themselves. */
    SqliteTableReader(Connection connection, ResultSet rows, List<String> columns, List<String> primaryKey, long maxRowBytes) {
        this.connection = connection;
        this.rows = rows;
        this.columns = columns;
        this.primaryKey = primaryKey;
        this.maxRowBytes = maxRowBytes;
    }

    @Override
    public byte[] nextRow() throws SQLException {
        if (ended) {
            return null;
        }
        if (!rows.next()) {
            close();
            return null;
        }
        checkSize();
        int n = columns.size();
        row.start();
        for (int i = 1; i <= n; i++) {
            Object value = rows.getObject(n + i);
            if (value == null) {
                row.nullValue();
            } else if (value instanceof byte[] bytes) {
                row.bytea(bytes);
            } else if (value instanceof Double d) {
                row.text(Double.toString(d));
            } else {
                row.text(value.toString());
            }
        }
        return row.finish();
    }

    /** Refuses a row whose values add up to more than max-row-bytes before any value is read. */
    private void checkSize() throws SQLException {
        long total = 0;
        long largest = -1;
        String largestColumn = null;
        for (int i = 1; i <= columns.size(); i++) {
            long size = rows.getLong(i);
            total += size;
            if (size > largest) {
                largest = size;
                largestColumn = columns.get(i - 1);
            }
        }
        if (total > maxRowBytes) {
            SourceRowTooLarge tooLarge = new SourceRowTooLarge(total, maxRowBytes, largestColumn, key());
            throw new SQLException(tooLarge.getMessage(), tooLarge);
        }
    }

    /** The row's key as {@code (a, b)=(1, x)}, or null when a key value is too long to show. */
    private String key() throws SQLException {
        if (primaryKey.isEmpty()) {
            return null;
        }
        StringJoiner values = new StringJoiner(", ", "(", ")");
        for (String column : primaryKey) {
            int index = columns.indexOf(column) + 1;
            if (index == 0 || rows.getLong(index) > SHOWN_KEY_BYTES) {
                return null;
            }
            values.add(String.valueOf(rows.getObject(columns.size() + index)));
        }
        return "(" + String.join(", ", primaryKey) + ")=" + values;
    }

    @Override
    public void close() {
        ended = true;
        Connections.closeQuietly(connection);
    }
}
