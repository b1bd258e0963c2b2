package ai.originchain.ingest.sync;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The run history: one row per sync or skipped scheduled tick in {@code originchain.sync_runs} of
 * the target store, with the report (which never holds a password). Writing it never fails a sync:
 * a history that cannot be written is logged.
 */
@Component("syncHistory")
public class SyncHistory {

    private static final Logger log = LoggerFactory.getLogger(SyncHistory.class);
    private static final String DDL = """
            CREATE SCHEMA IF NOT EXISTS originchain;
            CREATE TABLE IF NOT EXISTS originchain.sync_runs (
                sync_id      uuid PRIMARY KEY,
                tenant       text NOT NULL,
                trigger      text NOT NULL,
                fire_time    timestamptz,
                instance     text NOT NULL,
                status       text NOT NULL,
                http_status  integer,
                started_at   timestamptz NOT NULL,
                finished_at  timestamptz,
                report       jsonb
            );
            CREATE INDEX IF NOT EXISTS sync_runs_tenant_started ON originchain.sync_runs (tenant, started_at DESC);
            """;
    private static final String INSERT = """
            INSERT INTO originchain.sync_runs
                   (sync_id, tenant, trigger, fire_time, instance, status, http_status, started_at, finished_at, report)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
            """;

    private final DataSource target;
    private final ObjectMapper json;
    private final String instance = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
    private volatile boolean tableReady;

    public SyncHistory(DataSource target, ObjectMapper json) {
        this.target = target;
        this.json = json;
    }

    public void recordRun(SyncRun run, int httpStatus) {
        Map<String, Object> report = run.report();
        String status = httpStatus == 200 ? "succeeded" : httpStatus == 409 ? "skipped" : "failed";
        insert(UUID.fromString(run.id()), run.tenant(), run.trigger(), run.fireTime(), status, httpStatus,
                Instant.parse((String) report.get("started_at")), Instant.now(), report);
    }

    public void recordSkipped(String tenant, String trigger, Instant fireTime, String reason) {
        insert(UUID.randomUUID(), tenant, trigger, fireTime, "skipped", null, Instant.now(), Instant.now(),
                Map.of("status", "skipped", "reason", reason));
    }

    private void insert(UUID id, String tenant, String trigger, Instant fireTime, String status, Integer httpStatus,
                        Instant startedAt, Instant finishedAt, Map<String, Object> report) {
        try (Connection connection = target.getConnection()) {
            connection.setAutoCommit(true);
            ensureTable(connection);
            try (PreparedStatement st = connection.prepareStatement(INSERT)) {
                st.setObject(1, id);
                st.setString(2, tenant);
                st.setString(3, trigger);
                st.setTimestamp(4, fireTime == null ? null : Timestamp.from(fireTime));
                st.setString(5, instance);
                st.setString(6, status);
                st.setObject(7, httpStatus);
                st.setTimestamp(8, Timestamp.from(startedAt));
                st.setTimestamp(9, Timestamp.from(finishedAt));
                st.setString(10, json.writeValueAsString(report));
                st.executeUpdate();
            }
        } catch (SQLException | JsonProcessingException e) {
            log.warn("could not record sync {} of tenant {} in the run history: {}", id, tenant, e.getMessage());
        }
    }

    private void ensureTable(Connection connection) throws SQLException {
        if (tableReady) {
            return;
        }
        try (Statement st = connection.createStatement()) {
            st.execute("SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtextextended('originchain.metadata', 0))");
            try {
                st.execute(DDL);
            } finally {
                st.execute("SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended('originchain.metadata', 0))");
            }
        }
        tableReady = true;
    }
}
