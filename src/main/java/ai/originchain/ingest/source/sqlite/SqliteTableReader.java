package ai.originchain.ingest.source.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

import ai.originchain.ingest.source.CopyTextRow;
import ai.originchain.ingest.sync.RowSource;

/**
 * Streams one SQLite table as COPY text rows, each value rendered from its own storage class:
 * integers and reals as their shortest exact text, text escaped, blobs as {@code bytea} hex.
 */
final class SqliteTableReader implements RowSource {

    private final Connection connection;
    private final ResultSet rows;
    private final int columns;
    private final CopyTextRow row = new CopyTextRow();
    private boolean ended;

    SqliteTableReader(Connection connection, ResultSet rows, int columns) {
        this.connection = connection;
        this.rows = rows;
        this.columns = columns;
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
        row.start();
        for (int i = 1; i <= columns; i++) {
            Object value = rows.getObject(i);
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

    @Override
    public void close() {
        ended = true;
        SqliteRead.closeQuietly(connection);
    }
}
