package ai.originchain.ingest.source;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.stream.Collectors;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

import ai.originchain.ingest.sync.SqlNames;

/**
 * Streams one source table as COPY text rows: one row per {@link #nextRow()}, in PostgreSQL's own
 * text output, so no value is ever parsed or reformatted on the way. The server pushes rows as the
 * reader takes them; nothing but the current row is held, whatever the table's size.
 */
public final class TableReader implements AutoCloseable {

    private final Connection connection;
    private final CopyOut copy;
    private long rows;

    private TableReader(Connection connection, CopyOut copy) {
        this.connection = connection;
        this.copy = copy;
    }

    public static TableReader open(SourceSnapshot snapshot, SourceTable table) throws SQLException {
        Connection connection = snapshot.joinSnapshot();
        try {
            CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(copySql(table));
            return new TableReader(connection, copy);
        } catch (SQLException | RuntimeException e) {
            SourceSnapshot.closeQuietly(connection);
            throw e;
        }
    }

    static String copySql(SourceTable table) {
        String columns = table.columns().stream()
                .map(c -> SqlNames.quote(c.name()))
                .collect(Collectors.joining(", "));
        return "COPY (SELECT " + columns + " FROM " + SqlNames.quote(table.schema()) + "." + SqlNames.quote(table.name())
                + ") TO STDOUT";
    }

    /** The next row, newline included, or null at the end of the table. */
    public byte[] nextRow() throws SQLException {
        byte[] row = copy.readFromCopy();
        if (row != null) {
            rows++;
        }
        return row;
    }

    public long rowsRead() {
        return rows;
    }

    @Override
    public void close() {
        try {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        } catch (SQLException ignored) {
            // Closing the connection ends the COPY anyway.
        }
        SourceSnapshot.closeQuietly(connection);
    }
}
