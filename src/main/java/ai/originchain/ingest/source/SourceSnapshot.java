package ai.originchain.ingest.source;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

import ai.originchain.ingest.sync.CopyTextSession;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * One consistent view of the source for a whole sync. A coordinating connection opens a
 * {@code REPEATABLE READ READ ONLY} transaction and exports its snapshot; every table reader joins
 * that snapshot with {@code SET TRANSACTION SNAPSHOT}, so all mappings of a sync read the source
 * as of one instant. The coordinating transaction stays open until the sync ends, as PostgreSQL
 * requires for the snapshot to remain importable.
 */
public final class SourceSnapshot implements AutoCloseable {

    private static final Pattern SNAPSHOT_ID = Pattern.compile("^[0-9A-Fa-f-]{1,64}$");

    private final SourceConnector connector;
    private final SourceSpec source;
    private final Connection coordinator;
    private final String snapshotId;

    private SourceSnapshot(SourceConnector connector, SourceSpec source, Connection coordinator, String snapshotId) {
        this.connector = connector;
        this.source = source;
        this.coordinator = coordinator;
        this.snapshotId = snapshotId;
    }

    public static SourceSnapshot open(SourceConnector connector, SourceSpec source) throws SQLException {
        Connection coordinator = connector.open(source);
        try {
            beginSnapshotTransaction(coordinator);
            String id;
            try (Statement st = coordinator.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_export_snapshot()")) {
                rs.next();
                id = rs.getString(1);
            }
            if (!SNAPSHOT_ID.matcher(id).matches()) {
                throw new SQLException("the source returned an unexpected snapshot id");
            }
            return new SourceSnapshot(connector, source, coordinator, id);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(coordinator);
            throw e;
        }
    }

    /**
     * A view of the source as of a snapshot exported elsewhere (a new replication slot's): the
     * coordinator and every reader import it. The exporter must keep it alive until all have joined.
     */
    public static SourceSnapshot importing(SourceConnector connector, SourceSpec source, String snapshotId)
            throws SQLException {
        if (snapshotId == null || !SNAPSHOT_ID.matcher(snapshotId).matches()) {
            throw new SQLException("the source returned an unexpected snapshot id");
        }
        SourceSnapshot snapshot = new SourceSnapshot(connector, source, null, snapshotId);
        return new SourceSnapshot(connector, source, snapshot.joinSnapshot(), snapshotId);
    }

    /** The coordinating connection, inside the snapshot: use it for catalog reads. */
    public Connection coordinator() {
        return coordinator;
    }

    /** A new connection whose open transaction sees exactly this snapshot, with stable text output settings. */
    public Connection joinSnapshot() throws SQLException {
        Connection connection = connector.open(source);
        try {
            beginSnapshotTransaction(connection);
            try (Statement st = connection.createStatement()) {
                // Must be the transaction's first statement; the id was checked to be plain hex and dashes.
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshotId + "'");
                CopyTextSession.apply(st);
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    private static void beginSnapshotTransaction(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        connection.setReadOnly(true);
    }

    @Override
    public void close() {
        closeQuietly(coordinator);
    }

    static void closeQuietly(Connection connection) {
        try {
            if (!connection.isClosed()) {
                connection.rollback();
            }
        } catch (SQLException ignored) {
            // The connection may already be broken; closing below is what matters.
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Nothing left to release.
        }
    }
}
