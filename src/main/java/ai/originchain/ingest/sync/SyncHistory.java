package ai.originchain.ingest.sync;

import ai.originchain.ingest.sql.Connections;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The run history, {@code originchain.sync_runs} in the target store (its schema is Flyway's, under
 * {@code db/migration}): a row from the moment a run starts ({@code running}, with its instance),
 * its report kept current while it runs, and its outcome when it ends; one row per skipped
 * scheduled tick. The reports never hold a password.
 *
 * <p>While a run runs, its instance holds a session advisory lock named after the run on a
 * connection of its own; PostgreSQL frees it when that session dies, so any instance sharing the
 * store can tell a {@code running} row whose instance died (the lock is free) and mark it
 * {@code abandoned} (routes/run-history.yaml). Writing the history never fails a sync: a history
 * that cannot be written is logged.
 */
@Component("syncHistory")
public class SyncHistory {

    private static final Logger log = LoggerFactory.getLogger(SyncHistory.class);
    /** The run's advisory lock; the abandoned-run sweep computes the same key from the row's sync_id. */
    static final String RUN_LOCK = "SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtextextended('originchain.run:' || ?, 0))";
    static final String RUN_UNLOCK = "SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended('originchain.run:' || ?, 0))";
    private static final String UPSERT = """
            INSERT INTO originchain.sync_runs
                   (sync_id, tenant, trigger, fire_time, instance, status, http_status, started_at, finished_at, report, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, now())
            ON CONFLICT (sync_id) DO UPDATE
               SET status = excluded.status, http_status = excluded.http_status, finished_at = excluded.finished_at,
                   report = excluded.report, updated_at = now()
            """;
    private static final String PROGRESS = """
            UPDATE originchain.sync_runs SET report = ?::jsonb, updated_at = now()
             WHERE sync_id = ? AND status = 'running'
            RETURNING cancel_requested
            """;

    private final DataSource target;
    private final ObjectMapper json;
    private final String instance = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
    /** Per running run: the session that holds its lock. */
    private final Map<String, Connection> sessions = new ConcurrentHashMap<>();

    public SyncHistory(DataSource target, ObjectMapper json) {
        this.target = target;
        this.json = json;
    }

    public String instance() {
        return instance;
    }

    /** The run's row, {@code running}, written under the run's lock, which is held until {@link #finished}. */
    public void started(SyncRun run) {
        Connection session = null;
        try {
            session = target.getConnection();
            session.setAutoCommit(true);
            try (PreparedStatement st = session.prepareStatement(RUN_LOCK)) {
                st.setString(1, run.id());
                st.execute();
            }
            upsert(session, run, "running", null, null);
            sessions.put(run.id(), session);
        } catch (SQLException | JsonProcessingException e) {
            log.warn("could not record the start of sync {} of tenant {} in the run history: {}", run.id(), run.tenant(),
                    e.getMessage());
            Connections.closeQuietly(session);
        }
    }

    /** Writes the run's current report; true when someone asked (through the run history) for it to stop. */
    public boolean progress(SyncRun run) {
        Connection session = sessions.get(run.id());
        if (session == null) {
            return false;
        }
        synchronized (session) {
            try (PreparedStatement st = session.prepareStatement(PROGRESS)) {
                st.setString(1, json.writeValueAsString(run.report()));
                st.setObject(2, UUID.fromString(run.id()));
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            } catch (SQLException | JsonProcessingException e) {
                // The session may be gone, and its lock with it: the end of the run is written on a fresh one.
                log.warn("could not record the progress of sync {} in the run history: {}", run.id(), e.getMessage());
                if (sessions.remove(run.id(), session)) {
                    Connections.closeQuietly(session);
                }
                return false;
            }
        }
    }

    /** The run's outcome; then its lock is freed. */
    public void finished(SyncRun run, String status, int httpStatus) {
        Connection session = sessions.remove(run.id());
        try {
            if (session != null) {
                synchronized (session) {
                    upsert(session, run, status, httpStatus, Instant.now());
                    try (PreparedStatement st = session.prepareStatement(RUN_UNLOCK)) {
                        st.setString(1, run.id());
                        st.execute();
                    }
                }
            } else {
                try (Connection connection = target.getConnection()) {
                    connection.setAutoCommit(true);
                    upsert(connection, run, status, httpStatus, Instant.now());
                }
            }
        } catch (SQLException | JsonProcessingException e) {
            log.warn("could not record sync {} of tenant {} in the run history: {}", run.id(), run.tenant(), e.getMessage());
        } finally {
            Connections.closeQuietly(session);
        }
    }

    public void recordSkipped(String tenant, String trigger, Instant fireTime, String reason) {
        try (Connection connection = target.getConnection()) {
            connection.setAutoCommit(true);
            Instant now = Instant.now();
            write(connection, UUID.randomUUID(), tenant, trigger, fireTime, "skipped", null, now, now,
                    Map.of("status", "skipped", "reason", reason, "trigger", trigger, "tenant", tenant,
                            "started_at", now.toString(), "finished_at", now.toString(), "mappings", java.util.List.of()));
        } catch (SQLException | JsonProcessingException e) {
            log.warn("could not record a skipped tick of {} for tenant {} in the run history: {}", trigger, tenant, e.getMessage());
        }
    }

    private void upsert(Connection connection, SyncRun run, String status, Integer httpStatus, Instant finishedAt)
            throws SQLException, JsonProcessingException {
        write(connection, UUID.fromString(run.id()), run.tenant(), run.trigger(), run.fireTime(), status, httpStatus,
                run.startedAt(), finishedAt, run.report());
    }

    private void write(Connection connection, UUID id, String tenant, String trigger, Instant fireTime, String status,
                       Integer httpStatus, Instant startedAt, Instant finishedAt, Map<String, Object> report)
            throws SQLException, JsonProcessingException {
        try (PreparedStatement st = connection.prepareStatement(UPSERT)) {
            st.setObject(1, id);
            st.setString(2, tenant);
            st.setString(3, trigger);
            st.setTimestamp(4, fireTime == null ? null : Timestamp.from(fireTime));
            st.setString(5, instance);
            st.setString(6, status);
            st.setObject(7, httpStatus);
            st.setTimestamp(8, Timestamp.from(startedAt));
            st.setTimestamp(9, finishedAt == null ? null : Timestamp.from(finishedAt));
            st.setString(10, json.writeValueAsString(report));
            st.executeUpdate();
        }
    }
}
