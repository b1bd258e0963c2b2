package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.apache.camel.ExchangeProperty;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.postgres.TableReader;
import ai.originchain.ingest.store.MirrorSpools.SpoolTable;
import ai.originchain.ingest.sync.CopyTextSession;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.MappingMode;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;

/**
 * The deletes of a sync's mirror mappings, after every mapping has upserted its rows: the keys to
 * delete are completed where the merge could not find them (the source's keys copied to the target,
 * then an anti-join), the mass-delete guard is decided for all mappings at once, and only then are
 * the rows deleted (or soft-deleted), every mapping in one transaction.
 */
@Component("mirrorDeletes")
public class MirrorDeletes {

    private static final Logger log = LoggerFactory.getLogger(MirrorDeletes.class);

    private final MirrorSpools spools;

    public MirrorDeletes(MirrorSpools spools) {
        this.spools = spools;
    }

    /** Fills the spool of each mapping whose merge could not run in key order: an anti-join with the source's keys. */
    public void findByAntiJoin(@ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        for (MappingJob job : mirrors(run)) {
            SpoolTable keys = spools.tableOf(job);
            if (keys == null) {
                continue;
            }
            try {
                Connection connection = spools.connectionOf(run);
                if (keys.invalid()) {
                    antiJoin(connection, job, keys);
                } else {
                    keys.flush();
                }
                // Temp tables are never auto-analyzed: without statistics the delete's join is planned blind.
                try (Statement st = connection.createStatement()) {
                    st.execute("ANALYZE " + keys.name);
                }
            } catch (SQLException e) {
                throw TargetErrors.unavailable(e);
            }
        }
    }

    private static void antiJoin(Connection connection, MappingJob job, SpoolTable keys) throws SQLException {
        TargetPlan plan = job.targetPlan();
        String table = SqlNames.qualified(plan.tenant(), plan.table());
        String sourceKeys = "oc_source_keys_" + job.mapping().index();
        String names = keys.key.stream().map(SqlNames::quote).collect(Collectors.joining(", "));
        try (Statement st = connection.createStatement()) {
            st.execute("TRUNCATE " + keys.name);
            st.execute("CREATE TEMP TABLE " + sourceKeys + " AS SELECT " + names + " FROM " + table + " WITH NO DATA");
            ai.originchain.ingest.sync.RowSource reader;
            try {
                reader = job.run().snapshot() != null
                        ? TableReader.copyOut(job.run().snapshot().joinSnapshot(), TableReader.copySql(keys.key,
                                SqlNames.qualified(job.sourceTable().schema(), job.sourceTable().name()), null,
                                job.modes().sourceFilter()))
                        : keysThroughEngine(job, keys.key);
            } catch (SQLException e) {
                throw SourceErrors.duringRead(job, e);
            }
            try (reader) {
                CopyIn in = connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + sourceKeys + " FROM STDIN");
                try {
                    byte[] row;
                    while ((row = nextRow(job, reader)) != null) {
                        in.writeToCopy(row, 0, row.length);
                    }
                    in.endCopy();
                } finally {
                    if (in.isActive()) {
                        in.cancelCopy();
                    }
                }
            }
            st.execute("ANALYZE " + sourceKeys);
            String match = keys.key.stream().map(k -> "s." + SqlNames.quote(k) + " = t." + SqlNames.quote(k))
                    .collect(Collectors.joining(" AND "));
            String scope = job.modes().targetScope();
            connection.setAutoCommit(false);
            try {
                CopyTextSession.apply(st);
                st.execute("INSERT INTO " + keys.name + " SELECT " + keys.key.stream().map(k -> "t." + SqlNames.quote(k))
                        .collect(Collectors.joining(", ")) + " FROM " + table + " t WHERE "
                        + (scope == null ? "" : scope + " AND ") + "NOT EXISTS (SELECT 1 FROM " + sourceKeys + " s WHERE "
                        + match + ")");
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
            st.execute("DROP TABLE " + sourceKeys);
        }
    }

    /** Another engine's read of the source's keys (and the filter), in the sync's consistent read. */
    private static ai.originchain.ingest.sync.RowSource keysThroughEngine(MappingJob job, List<String> key) throws SQLException {
        ai.originchain.ingest.source.SourceTable table = job.sourceTable();
        List<ai.originchain.ingest.source.SourceColumn> columns = key.stream()
                .map(k -> table.columns().stream().filter(c -> c.name().equals(k)).findFirst().orElseThrow()).toList();
        ai.originchain.ingest.source.SourceTable keysOnly = new ai.originchain.ingest.source.SourceTable(table.schema(),
                table.name(), columns, table.keyIsUnique(), table.estimatedRows());
        ai.originchain.ingest.sync.RowSource reader = job.run().sourceRead().read(new ai.originchain.ingest.source.TableQuery(
                keysOnly, key, null, null, job.modes().sourceFilter(), job.modes().filterParameters()));
        return reader;
    }

    private static byte[] nextRow(MappingJob job, ai.originchain.ingest.sync.RowSource reader) {
        try {
            return reader.nextRow();
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
    }

    /** The mass-delete guard: 422 on each mapping that would delete more than its max_delete_fraction. */
    public void guard(@ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        List<FieldError> refused = new ArrayList<>();
        for (MappingJob job : mirrors(run)) {
            SpoolTable keys = spools.tableOf(job);
            if (keys == null) {
                continue;
            }
            Connection connection = spools.connectionOf(run);
            long deletes;
            long rows;
            TargetPlan plan = job.targetPlan();
            MappingMode mode = job.mapping().mode();
            try (Statement st = connection.createStatement()) {
                deletes = count(st, "SELECT count(*) FROM " + keys.name);
                rows = count(st, "SELECT count(*) FROM " + SqlNames.qualified(plan.tenant(), plan.table())
                        + (mode.softDelete() ? " WHERE " + SqlNames.quote(MappingMode.DELETED_AT) + " IS NULL" : ""));
            } catch (SQLException e) {
                throw TargetErrors.unavailable(e);
            }
            keys.counted(deletes, rows);
            double fraction = rows == 0 ? 0 : (double) deletes / rows;
            if (deletes > 0 && fraction > mode.maxDeleteFraction()) {
                String reason = String.format(Locale.ROOT, "the sync would delete %d of the %d rows of %s.%s (%.1f%%), more "
                        + "than max_delete_fraction %s allows; nothing was deleted. If the source really lost these rows, "
                        + "run again with a higher max_delete_fraction (1 turns the guard off)", deletes, rows,
                        plan.tenant(), plan.table(), fraction * 100, mode.maxDeleteFraction());
                refused.add(new FieldError(job.mapping().field("max_delete_fraction"), reason));
                job.report().refused(reason);
            }
        }
        if (!refused.isEmpty()) {
            log.warn("sync {}: mass-delete guard refused {} mapping(s); nothing deleted", run.id(), refused.size());
            throw SyncFailure.mismatch(refused);
        }
    }

    /**
     * Deletes (or soft-deletes) every spooled key, all mappings in one target transaction; a few keys
     * (see {@link SpoolTable#fewDeletes}) each by its index, many by the planner's join.
     */
    public void apply(@ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        Connection connection = spools.connectionOf(run);
        if (connection == null) {
            return;
        }
        List<long[]> counts = new ArrayList<>();
        try {
            connection.setAutoCommit(false);
            try (Statement st = connection.createStatement()) {
                for (MappingJob job : mirrors(run)) {
                    SpoolTable keys = spools.tableOf(job);
                    if (keys == null) {
                        continue;
                    }
                    TargetPlan plan = job.targetPlan();
                    String table = SqlNames.qualified(plan.tenant(), plan.table());
                    String match = keys.key.stream().map(k -> "t." + SqlNames.quote(k) + " = s." + SqlNames.quote(k))
                            .collect(Collectors.joining(" AND "));
                    String deletedAt = SqlNames.quote(MappingMode.DELETED_AT);
                    String joins = keys.fewDeletes() ? "off" : "DEFAULT"; // DEFAULT: the session's own setting
                    st.execute("SET LOCAL enable_hashjoin = " + joins);
                    st.execute("SET LOCAL enable_mergejoin = " + joins);
                    int n = job.mapping().mode().softDelete()
                            ? st.executeUpdate("UPDATE " + table + " t SET " + deletedAt + " = pg_catalog.now() FROM "
                                    + keys.name + " s WHERE " + match + " AND t." + deletedAt + " IS NULL")
                            : st.executeUpdate("DELETE FROM " + table + " t USING " + keys.name + " s WHERE " + match);
                    counts.add(new long[] {run.jobs().indexOf(job), n});
                }
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
        for (long[] c : counts) {
            run.jobs().get((int) c[0]).report().addDeleted(c[1]);
        }
    }

    private static List<MappingJob> mirrors(SyncRun run) {
        return run.jobs().stream().filter(j -> j.mapping().mode().mirror()).toList();
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
