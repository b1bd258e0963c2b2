package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.postgresql.jdbc.PgConnection;

import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.RowSource;
import ai.originchain.ingest.sql.SqlNames;
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
    private volatile boolean closed;

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
     * The rows of the table that pass {@code where}, in no order, as up to {@code parts} reads of
     * consecutive page ranges ({@code ctid}, a TID range scan each), every one on its own session of the
     * snapshot, so they can run at once; the last range is open-ended, so together they hold every row
     * exactly once. One read for a table under two parts of {@code minPartBytes}, anything but a plain
     * table (a view, a partitioned table), or a server older than PostgreSQL 14 (no TID range scans).
     */
    public static List<RowSource> openParts(SourceSnapshot snapshot, SourceTable table, String where, int parts,
                                            long minPartBytes) throws SQLException {
        List<String> columns = table.columns().stream().map(SourceColumn::name).toList();
        String name = SqlNames.quote(table.schema()) + "." + SqlNames.quote(table.name());
        Connection first = snapshot.joinSnapshot();
        long pages;
        int n;
        try {
            long[] size = splittableSize(first, name);
            pages = size[0];
            n = (int) Math.max(1, Math.min(parts, size[1] / Math.max(1, minPartBytes)));
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackAndClose(first);
            throw e;
        }
        if (n < 2) {
            return List.of(copyOut(first, copySql(columns, name, null, where)));
        }
        List<RowSource> reads = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                long from = pages * i / n;
                long to = pages * (i + 1) / n;
                String range = i == 0 ? "ctid < '(" + to + ",0)'::tid"
                        : i == n - 1 ? "ctid >= '(" + from + ",0)'::tid"
                        : "ctid >= '(" + from + ",0)'::tid AND ctid < '(" + to + ",0)'::tid";
                Connection connection = i == 0 ? first : snapshot.joinSnapshot();
                reads.add(copyOut(connection, copySql(columns, name, null, where == null ? range : "(" + where + ") AND " + range)));
            }
            return reads;
        } catch (SQLException | RuntimeException e) {
            if (reads.isEmpty()) {
                Connections.rollbackAndClose(first);
            }
            reads.forEach(RowSource::close);
            throw e;
        }
    }

    /** {pages, bytes} of a plain table on PostgreSQL 14 or later; {0, 0} for anything that cannot be split by ctid. */
    private static long[] splittableSize(Connection connection, String table) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("""
                SELECT c.relkind = 'r' AND pg_catalog.current_setting('server_version_num')::int >= 140000,
                       pg_catalog.pg_relation_size(c.oid), pg_catalog.current_setting('block_size')::bigint
                  FROM pg_catalog.pg_class c WHERE c.oid = CAST(? AS regclass)""")) {
            st.setString(1, table);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return new long[] {0, 0};
                }
                long bytes = rs.getLong(2);
                return new long[] {bytes / rs.getLong(3), bytes};
            }
        }
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
            Connections.rollbackAndClose(connection);
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

    /** Cancels the read at the source and drops the connection at once (no lock the reading thread holds); close still follows. */
    @Override
    public void abort() {
        if (!closed) {
            SourceCancel.cancelAndDrop(connection);
        }
    }

    @Override
    public void close() {
        if (closed) {
            // A pool's connection may belong to its next user by now: touching its COPY would wait for that user's statement.
            return;
        }
        closed = true;
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
        Connections.rollbackAndClose(connection);
    }
}
