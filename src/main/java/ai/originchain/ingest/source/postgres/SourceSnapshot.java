package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sync.CopyTextSession;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * One consistent view of the source for a whole sync. A coordinating connection opens a
 * {@code REPEATABLE READ READ ONLY} transaction and exports its snapshot; every table reader joins
 * that snapshot with {@code SET TRANSACTION SNAPSHOT}, so all mappings of a sync read the source
 * as of one instant. The coordinating transaction stays open until the sync ends, as PostgreSQL
 * requires for the snapshot to remain importable — but never past {@code originchain.source.max-sync-duration}:
 * then every session of the snapshot is cancelled and closed, so the source's VACUUM is held back no longer.
 */
public final class SourceSnapshot implements AutoCloseable {

    private static final Pattern SNAPSHOT_ID = Pattern.compile("^[0-9A-Fa-f-]{1,64}$");
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private final SourceConnector connector;
    private final SourceSpec source;
    private final CheckedEndpoint endpoint;
    private final String syncId;
    private final Connection coordinator;
    private final String snapshotId;
    private final List<Connection> sessions = new CopyOnWriteArrayList<>();
    private volatile String expired;
    private volatile boolean aborted;
    private volatile ScheduledFuture<?> deadline;

    private SourceSnapshot(SourceConnector connector, SourceSpec source, CheckedEndpoint endpoint, String syncId,
                           Connection coordinator, String snapshotId) {
        this.connector = connector;
        this.source = source;
        this.endpoint = endpoint;
        this.syncId = syncId;
        this.coordinator = coordinator;
        this.snapshotId = snapshotId;
    }

    public static SourceSnapshot open(SourceConnector connector, SourceSpec source) throws SQLException {
        return open(connector, source, null);
    }

    /**
     * Checks the source against the egress policy (a {@code SyncFailure} before any connection when
     * refused), then opens the snapshot; its sessions carry {@code application_name} {@code originchain <syncId>}.
     */
    public static SourceSnapshot open(SourceConnector connector, SourceSpec source, String syncId) throws SQLException {
        CheckedEndpoint endpoint = connector.check(source);
        Connection coordinator = connector.open(source, endpoint, SourceConnector.Role.COORDINATOR, syncId);
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
            SourceSnapshot snapshot = new SourceSnapshot(connector, source, endpoint, syncId, coordinator, id);
            Duration limit = connector.settings().getMaxSyncDuration();
            snapshot.deadline = DEADLINES.schedule(() -> snapshot.expire("the sync ran longer than "
                    + "originchain.source.max-sync-duration (" + limit + ") and was stopped; its snapshot at the source "
                    + "was released"), limit.toMillis(), TimeUnit.MILLISECONDS);
            return snapshot;
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackAndClose(coordinator);
            throw e;
        }
    }

    /**
     * A view of the source as of a snapshot exported elsewhere (a new replication slot's): the
     * coordinator and every reader import it. The exporter must keep it alive until all have joined.
     * Its sessions carry {@code application_name} {@code originchain <label>}.
     */
    public static SourceSnapshot importing(SourceConnector connector, SourceSpec source, String snapshotId, String label)
            throws SQLException {
        if (snapshotId == null || !SNAPSHOT_ID.matcher(snapshotId).matches()) {
            throw new SQLException("the source returned an unexpected snapshot id");
        }
        CheckedEndpoint endpoint = connector.check(source);
        SourceSnapshot importer = new SourceSnapshot(connector, source, endpoint, label, null, snapshotId);
        return new SourceSnapshot(connector, source, endpoint, label, importer.joinSnapshot(), snapshotId);
    }

    /** The coordinating connection, inside the snapshot: use it for catalog reads. */
    public Connection coordinator() {
        return coordinator;
    }

    /** Why the snapshot was ended before the sync was, or null: a failure of any read then has this reason. */
    public String expired() {
        return expired;
    }

    /** A new connection whose open transaction sees exactly this snapshot, with stable text output settings. */
    public Connection joinSnapshot() throws SQLException {
        if (expired != null) {
            throw new SQLException(expired);
        }
        Connection connection = connector.open(source, endpoint, SourceConnector.Role.READER, syncId);
        sessions.add(connection);
        if (aborted) {
            SourceCancel.cancelAndDrop(connection);
            throw new SQLException(expired != null ? expired : "the sync was stopped");
        }
        try {
            beginSnapshotTransaction(connection);
            try (Statement st = connection.createStatement()) {
                // Must be the transaction's first statement; the id was checked to be plain hex and dashes.
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshotId + "'");
                CopyTextSession.apply(st);
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackAndClose(connection);
            throw e;
        }
    }

    /** Ends every session of the snapshot now, from any thread: running statements are cancelled at the source. */
    void expire(String reason) {
        expired = reason;
        abort();
    }

    private static void beginSnapshotTransaction(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        connection.setReadOnly(true);
    }

    @Override
    public void close() {
        ScheduledFuture<?> pending = deadline;
        if (pending != null) {
            pending.cancel(false);
        }
        sessions.clear();
        Connections.rollbackAndClose(coordinator);
    }

    /**
     * Ends every session of the snapshot from another thread, without waiting for a statement they run:
     * each statement is cancelled at the source and each socket closed ({@link SourceCancel}).
     */
    public void abort() {
        aborted = true;
        for (Connection session : sessions) {
            SourceCancel.cancelAndDrop(session);
        }
        if (coordinator != null) {
            SourceCancel.cancelAndDrop(coordinator);
        }
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "originchain-sync-deadline");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
