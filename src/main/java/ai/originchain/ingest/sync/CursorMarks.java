package ai.originchain.ingest.sync;

import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sql.SqlLiterals;

import ai.originchain.ingest.sql.SqlNames;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;


import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.store.TargetConnections;
import ai.originchain.ingest.failure.SyncFailure;

/**
 * Incremental mappings: before the read, the high-water mark of the last successful sync becomes
 * the read's condition ({@code cursor >= mark - lookback}) and the new mark is taken in the sync's
 * snapshot; once the whole sync has succeeded, the new marks are stored. A first sync, a missing or
 * empty target table, or a changed cursor column or filter reads everything.
 */
@Component("cursorMarks")
public class CursorMarks {

    private static final Logger log = LoggerFactory.getLogger(CursorMarks.class);
    private static final String LOAD = """
            SELECT cursor_column, filter, high_water FROM originchain.sync_cursors
             WHERE tenant = ? AND target_schema = ? AND source_table = ?
            """;
    private static final String STORE = """
            INSERT INTO originchain.sync_cursors
                   (tenant, target_schema, source_table, cursor_column, filter, high_water, sync_id, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant, target_schema, source_table) DO UPDATE
               SET cursor_column = EXCLUDED.cursor_column, filter = EXCLUDED.filter, high_water = EXCLUDED.high_water,
                   sync_id = EXCLUDED.sync_id, updated_at = EXCLUDED.updated_at
            """;

    private final TargetConnections target;

    public CursorMarks(TargetConnections target) {
        this.target = target;
    }

    /** The step before an incremental mapping's read; nothing for other modes. */
    public void plan(MappingJob job) {
        MappingMode mode = job.mapping().mode();
        if (!mode.incremental()) {
            return;
        }
        String mark = null;
        try (Connection connection = target.work(job.run())) {
            connection.setAutoCommit(true);
            try (PreparedStatement st = connection.prepareStatement(LOAD)) {
                st.setString(1, job.run().tenant());
                st.setString(2, job.mapping().targetSchema());
                st.setString(3, job.mapping().sourceTableName());
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next() && rs.getString(1).equals(mode.cursor().column())
                            && Objects.equals(rs.getString(2), mode.filterText())) {
                        mark = rs.getString(3);
                    }
                }
            }
        } catch (SQLException e) {
            throw SyncFailure.targetUnavailable("reading the high-water mark failed: " + e.getMessage());
        }
        // A missing or emptied target table starts again from everything.
        if (!job.targetPlan().exists() || job.bulkLoad()) {
            mark = null;
        }
        if (job.run().snapshot() == null) {
            planInEngine(job, mark);
            return;
        }
        String column = SqlNames.quote(mode.cursor().column());
        String type = job.modes().cursorType();
        Connection source = null;
        try {
            source = job.run().snapshot().joinSnapshot();
            String condition = null;
            String max = "max(" + column + ")";
            if (mark != null) {
                String[] quoted = {SqlLiterals.quote(mark), SqlLiterals.quote(mode.cursor().lookback())};
                String typedMark = quoted[0] + "::" + type;
                condition = column + " >= " + (mode.cursor().numeric() && mode.cursor().lookback().equals("0") ? typedMark
                        : "(" + typedMark + " - " + quoted[1] + (mode.cursor().numeric() ? "::numeric" : "::interval") + ")");
                // The mark never goes back, even when the rows in the lookback window are all older.
                max = "GREATEST(" + max + ", " + typedMark + ")";
            }
            String filter = job.modes().sourceFilter();
            String where = filter == null ? condition : condition == null ? filter : filter + " AND " + condition;
            String table = SqlNames.qualified(job.sourceTable().schema(), job.sourceTable().name());
            String to;
            try (PreparedStatement st = source.prepareStatement("SELECT " + max + "::text FROM " + table
                    + (where == null ? "" : " WHERE " + where)); ResultSet rs = st.executeQuery()) {
                rs.next();
                to = rs.getString(1);
            }
            if (to == null) {
                to = mark;
            }
            if (mark == null) {
                try (PreparedStatement st = source.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE "
                        + column + " IS NULL" + (filter == null ? "" : " AND " + filter) + ")"); ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        job.report().warn("incremental: some rows have a NULL " + mode.cursor().column() + "; this full read "
                                + "copied them, but incremental reads never see them change");
                    }
                }
            }
            job.modes().cursorCondition(condition);
            job.modes().cursorBounds(mark == null, mark, to);
            job.report().cursor(mark, to);
            job.report().warn("incremental: rows deleted at the source and rows whose " + mode.cursor().column()
                    + " is NULL are not seen; pair this mapping with a scheduled mirror sync");
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        } finally {
            if (source != null) {
                Connections.rollbackAndClose(source);
            }
        }
    }

    /** An engine other than PostgreSQL: its own SQL, values bound ({@link ai.originchain.ingest.source.ModeSql}). */
    private static void planInEngine(MappingJob job, String mark) {
        MappingMode mode = job.mapping().mode();
        ai.originchain.ingest.source.ModeSql.CursorRead read;
        try {
            read = job.run().sourceRead().modeSql().cursorRead(job, mark);
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
        String to = read.to() == null ? mark : read.to();
        if (mark == null && read.nullCursors()) {
            job.report().warn("incremental: some rows have a NULL " + mode.cursor().column() + "; this full read "
                    + "copied them, but incremental reads never see them change");
        }
        job.modes().cursorCondition(read.condition());
        job.modes().cursorParameters(read.parameters());
        job.modes().cursorBounds(mark == null, mark, to);
        job.report().cursor(mark, to);
        job.report().warn("incremental: rows deleted at the source and rows whose " + mode.cursor().column()
                + " is NULL are not seen; pair this mapping with a scheduled mirror sync");
    }

    /** After the whole sync succeeded: each incremental mapping's new mark. */
    public void advance(@ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        if (run.jobs().stream().noneMatch(j -> j.mapping().mode().incremental())) {
            return;
        }
        try (Connection connection = target.work(run)) {
            connection.setAutoCommit(false);
            try (PreparedStatement st = connection.prepareStatement(STORE)) {
                for (MappingJob job : run.jobs()) {
                    MappingMode mode = job.mapping().mode();
                    if (!mode.incremental()) {
                        continue;
                    }
                    st.setString(1, run.tenant());
                    st.setString(2, job.mapping().targetSchema());
                    st.setString(3, job.mapping().sourceTableName());
                    st.setString(4, mode.cursor().column());
                    st.setString(5, mode.filterText());
                    st.setString(6, job.modes().cursorTo());
                    st.setObject(7, UUID.fromString(run.id()));
                    st.setTimestamp(8, Timestamp.from(Instant.now()));
                    st.addBatch();
                }
                st.executeBatch();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            // The rows are in; the next sync reads again from the previous mark, which is still correct.
            log.warn("sync {}: storing the high-water marks failed: {}", run.id(), e.getMessage());
            run.jobs().stream().filter(j -> j.mapping().mode().incremental()).forEach(j -> j.report()
                    .warn("incremental: the new high-water mark could not be stored; the next sync reads from the previous one"));
        }
    }
}
