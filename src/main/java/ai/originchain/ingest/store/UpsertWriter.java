package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;


import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.RowBatch;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.typemap.TargetColumn;

/**
 * The upsert producer. Into a target that was empty when the sync began (and a source key that is
 * unique), batches are copied straight in (for a table the sync created, into its side table, see
 * {@link LoadTables}). Otherwise each batch, in its own transaction: COPY its rows (source text, untouched)
 * into a session-local staging table, then one {@code INSERT … SELECT … ON CONFLICT (key) DO UPDATE}
 * that skips rows whose values did not change, so an unchanged re-sync rewrites nothing and leaves
 * no dead tuples. A failure rolls back that batch only; the rows of committed batches are complete,
 * and a rerun converges.
 */
@Component("upsertWriter")
public class UpsertWriter {

    private final TargetConnections target;

    public UpsertWriter(TargetConnections target) {
        this.target = target;
    }

    public void write(RowBatch batch) {
        MappingJob job = batch.job();
        TargetPlan plan = job.targetPlan();
        Statements sql = Statements.of(plan, job.mapping().mode().softDelete());
        if (!job.beginWrite()) {
            return;
        }
        try (Connection connection = target.work(job.run())) {
            connection.setAutoCommit(false);
            try (Statement st = connection.createStatement()) {
                long changed;
                CopyManager copyApi = connection.unwrap(PGConnection.class).getCopyAPI();
                if (job.bulkLoad()) {
                    changed = copy(copyApi, job.loadTable() == null ? sql.bulkCopy : Statements.bulkCopy(plan, job.writeTable()), batch);
                } else {
                    st.execute(sql.createStaging);
                    copy(copyApi, sql.copy, batch);
                    changed = st.executeUpdate(sql.upsert);
                }
                connection.commit();
                job.report().addWritten(batch.rows(), changed);
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            if ("21000".equals(e.getSQLState())) {
                throw SyncFailure.mismatch(job.mapping().field("primary_key"), "is not unique in "
                        + job.mapping().sourceTableName() + ": a key occurs more than once");
            }
            if (TargetErrors.isDataError(e)) {
                throw SyncFailure.mismatch(job.mapping().field("source_table"),
                        "the target refused a row of " + job.mapping().sourceTableName() + ": " + TargetErrors.summary(e));
            }
            throw TargetErrors.unavailable(e);
        } finally {
            job.endWrite();
        }
    }

    /** Sends the batch's chunks as they are, one CopyData message each; returns the rows copied. */
    private static long copy(CopyManager copyApi, String sql, RowBatch batch) throws SQLException {
        CopyIn copy = copyApi.copyIn(sql);
        try {
            batch.writeTo(copy::writeToCopy);
            return copy.endCopy();
        } catch (SQLException | RuntimeException e) {
            if (copy.isActive()) {
                try {
                    copy.cancelCopy();
                } catch (SQLException cancel) {
                    e.addSuppressed(cancel);
                }
            }
            throw e;
        }
    }

    /** The SQL for one target plan; the staging table's name changes whenever the column set does. */
    record Statements(String createStaging, String copy, String upsert, String bulkCopy) {

        static Statements of(TargetPlan plan) {
            return of(plan, false);
        }

        /** With {@code revive} (a soft-deleting mirror), a row that comes back is live again. */
        static Statements of(TargetPlan plan, boolean revive) {
            List<TargetColumn> columns = plan.columns();
            String target = SqlNames.qualified(plan.tenant(), plan.table());
            String staging = "pg_temp." + SqlNames.quote("oc_stage_" + plan.signature());
            String names = columns.stream().map(c -> SqlNames.quote(c.name())).collect(Collectors.joining(", "));
            String key = plan.primaryKey().stream().map(SqlNames::quote).collect(Collectors.joining(", "));
            String createStaging = "CREATE TEMP TABLE IF NOT EXISTS " + staging.substring("pg_temp.".length())
                    + " (LIKE " + target + ") ON COMMIT DELETE ROWS";
            String copy = "COPY " + staging + " (" + names + ") FROM STDIN";
            String select = "SELECT " + names + " FROM " + staging;
            List<TargetColumn> values = columns.stream().filter(c -> !plan.primaryKey().contains(c.name())).toList();
            List<String> set = new java.util.ArrayList<>(values.stream()
                    .map(c -> SqlNames.quote(c.name()) + " = EXCLUDED." + SqlNames.quote(c.name())).toList());
            List<String> changed = new java.util.ArrayList<>();
            if (values.size() == 1) {
                changed.add(compared("t", values.get(0)) + " IS DISTINCT FROM " + compared("EXCLUDED", values.get(0)));
            } else if (!values.isEmpty()) {
                changed.add("(" + values.stream().map(c -> compared("t", c)).collect(Collectors.joining(", "))
                        + ") IS DISTINCT FROM (" + values.stream().map(c -> compared("EXCLUDED", c))
                        .collect(Collectors.joining(", ")) + ")");
            }
            if (revive) {
                String deletedAt = SqlNames.quote(ai.originchain.ingest.sync.MappingMode.DELETED_AT);
                set.add(deletedAt + " = NULL");
                changed.add("t." + deletedAt + " IS NOT NULL");
            }
            String conflict = set.isEmpty() ? "DO NOTHING"
                    : "DO UPDATE SET " + String.join(", ", set) + " WHERE " + String.join(" OR ", changed);
            String upsert = "INSERT INTO " + target + " AS t (" + names + ") " + select
                    + " ON CONFLICT (" + key + ") " + conflict;
            String bulkCopy = "COPY " + target + " (" + names + ") FROM STDIN";
            return new Statements(createStaging, copy, upsert, bulkCopy);
        }

        /** The bulk COPY into {@code table} (quoted and qualified), e.g. a first sync's side table. */
        static String bulkCopy(TargetPlan plan, String table) {
            return "COPY " + table + " (" + plan.columns().stream().map(c -> SqlNames.quote(c.name()))
                    .collect(Collectors.joining(", ")) + ") FROM STDIN";
        }

        private static String compared(String alias, TargetColumn column) {
            String ref = alias + "." + SqlNames.quote(column.name());
            return column.compareAsText() ? ref + "::text" : ref;
        }

    }
}
