package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.stream.Collectors;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.postgresql.jdbc.PgConnection;

import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.RowSource;
import ai.originchain.ingest.sync.SqlNames;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceTable;

/**
 * Streams one table as COPY text rows: one row per {@link #nextRow()}, in PostgreSQL's own
 * text output, so no value is ever parsed or reformatted on the way. The server pushes rows as the
 * reader takes them; nothing but the current row is held, whatever the table's size. Closing it
 * ends the read and its connection's transaction.
 */
public final class TableReader implements RowSource {

    private final Connection connection;
    private final CopyOut copy;
    private long rows;

    private TableReader(Connection connection, CopyOut copy) {
        this.connection = connection;
        this.copy = copy;
    }

    public static TableReader open(SourceSnapshot snapshot, SourceTable table) throws SQLException {
        return open(snapshot, table, null);
    }

    /** The table in the sync's snapshot, ordered by {@code order} when it is not null. */
    public static TableReader open(SourceSnapshot snapshot, SourceTable table, KeyOrder order) throws SQLException {
        return open(snapshot, table, order, null);
    }

    /** The rows of the table that pass {@code where} (a checked, quoted SQL condition; null for all). */
    public static TableReader open(SourceSnapshot snapshot, SourceTable table, KeyOrder order, String where)
            throws SQLException {
        return copyOut(snapshot.joinSnapshot(), copySql(table.columns().stream().map(SourceColumn::name).toList(),
                SqlNames.quote(table.schema()) + "." + SqlNames.quote(table.name()), order, where));
    }

    /**
     * Starts {@code copySql} on a connection whose transaction is already set up; the reader owns the
     * connection from here on and closes it (on failure too).
     */
    public static TableReader copyOut(Connection connection, String copySql) throws SQLException {
        try {
            CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(copySql);
            return new TableReader(connection, copy);
        } catch (SQLException | RuntimeException e) {
            SourceSnapshot.closeQuietly(connection);
            throw e;
        }
    }

    /** {@code COPY (SELECT columns FROM table [ORDER BY key]) TO STDOUT}; {@code table} is already quoted. */
    public static String copySql(java.util.List<String> columns, String table, KeyOrder order) {
        return copySql(columns, table, order, null);
    }

    /** The same, with a {@code WHERE} condition that was built from checked names and server-quoted values. */
    public static String copySql(java.util.List<String> columns, String table, KeyOrder order, String where) {
        String names = columns.stream().map(SqlNames::quote).collect(Collectors.joining(", "));
        return "COPY (SELECT " + names + " FROM " + table + (where == null ? "" : " WHERE " + where)
                + (order == null ? "" : " ORDER BY " + order.orderBy()) + ") TO STDOUT";
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

    /** Drops the connection at once (pgjdbc's abort takes no lock the reading thread holds); close still follows. */
    @Override
    public void abort() {
        SourceSnapshot.abort(connection);
    }

    @Override
    public void close() {
        if (copy.isActive()) {
            // Closed before the end: pgjdbc cannot bring a half-read COPY OUT back to a usable state (its
            // cancel leaves the rest of the stream on the wire), so the physical connection is dropped,
            // which also ends the COPY at the server and makes a pool discard the connection.
            try {
                connection.unwrap(PgConnection.class).abort(Runnable::run);
            } catch (SQLException | RuntimeException ignored) {
                // Closing below is all that is left to do.
            }
        }
        SourceSnapshot.closeQuietly(connection);
    }
}
