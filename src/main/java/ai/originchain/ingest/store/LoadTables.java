package ai.originchain.ingest.store;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Collectors;
import java.util.zip.CRC32;


import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sql.SqlNames;

/**
 * A first sync into a table it creates loads a side table without the primary key, then builds the
 * key on the loaded rows and renames the table into place (as pgcopydb does: one index build instead
 * of an index kept up to date row by row). The target table therefore appears complete, with its key,
 * in one short transaction; until then others see no table at all. A sync that fails after the load
 * began publishes what its committed batches hold (as a first sync into a table with its key did); a
 * key the loaded rows repeat ends the mapping with a 422 on {@code primary_key} and drops the side
 * table; a crash leaves only the side table, which the next sync into that table drops.
 */
@Component("loadTables")
public class LoadTables {

    private static final Logger log = LoggerFactory.getLogger(LoadTables.class);
    private static final String PREFIX = "_oc_load_";
    private static final int MAX_NAME = 63;

    private final TargetConnections target;

    public LoadTables(TargetConnections target) {
        this.target = target;
    }

    /** The side table's name for a target table: deterministic, so the next sync finds a crash's leftover. */
    public static String sideName(String table) {
        String name = PREFIX + table;
        if (name.length() + "_pkey".length() <= MAX_NAME) {
            return name;
        }
        CRC32 crc = new CRC32();
        crc.update(table.getBytes(StandardCharsets.UTF_8));
        return PREFIX + table.substring(0, 40) + "_" + String.format("%08x", crc.getValue());
    }

    /**
     * On {@code connection}'s open transaction (the one that creates the tenant's schema, under its DDL
     * lock): drops a leftover side table and creates an empty one with the planned columns and no key.
     */
    static String createSide(Statement st, TargetPlan plan) throws SQLException {
        String side = sideName(plan.table());
        st.execute("DROP TABLE IF EXISTS " + SqlNames.qualified(plan.tenant(), side));
        String columns = plan.columns().stream()
                .map(c -> SqlNames.quote(c.name()) + " " + c.type())
                .collect(Collectors.joining(", "));
        st.execute("CREATE TABLE " + SqlNames.qualified(plan.tenant(), side) + " (" + columns + ")");
        return side;
    }

    /** Whatever happens to the sync, the side table is published or dropped when it ends. */
    static Closeable finisher(LoadTables loads, MappingJob job) {
        return () -> loads.finishAfterFailure(job);
    }

    /** The step after a mapping's last batch: builds the key and renames the loaded table into place. */
    public void publish(MappingJob job) {
        if (job.loadTable() == null) {
            return;
        }
        job.run().throwIfAborted();
        long started = System.nanoTime();
        try {
            publishNow(job);
            log.info("sync {} {}: primary key built on {} row(s) and the table put in place in {} ms", job.run().id(), job,
                    job.report().rowsWritten(), (System.nanoTime() - started) / 1_000_000);
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                drop(job);
                throw SyncFailure.mismatch(job.mapping().field("primary_key"), "is not unique in "
                        + job.mapping().sourceTableName() + ": " + TargetErrors.summary(e) + "; choose columns that identify a row");
            }
            throw TargetErrors.unavailable(e);
        }
    }

    private void finishAfterFailure(MappingJob job) {
        if (job.loadTable() == null) {
            return;
        }
        try {
            publishNow(job);
            log.info("sync {} {}: published the {} row(s) its committed batches hold", job.run().id(), job,
                    job.report().rowsWritten());
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                drop(job);
            } else {
                log.warn("sync {} {}: the side table {} stays until the next sync into this table: {}", job.run().id(),
                        job, job.loadTable(), TargetErrors.summary(e));
            }
        }
    }

    private void publishNow(MappingJob job) throws SQLException {
        TargetPlan plan = job.targetPlan();
        String side = SqlNames.qualified(plan.tenant(), job.loadTable());
        String key = plan.primaryKey().stream().map(SqlNames::quote).collect(Collectors.joining(", "));
        try (Connection connection = target.work(job.run())) {
            connection.setAutoCommit(false);
            try (Statement st = connection.createStatement()) {
                // The index build, in a transaction of its own: only the side table is locked meanwhile.
                if (!hasPrimaryKey(connection, side)) {
                    String constraint = plan.table().length() + "_pkey".length() <= MAX_NAME
                            && isFree(connection, plan.tenant(), plan.table() + "_pkey")
                            ? "CONSTRAINT " + SqlNames.quote(plan.table() + "_pkey") + " " : "";
                    st.execute("ALTER TABLE " + side + " ADD " + constraint + "PRIMARY KEY (" + key + ")");
                    connection.commit();
                }
                try (PreparedStatement lock = connection.prepareStatement(TargetTables.DDL_LOCK)) {
                    lock.setString(1, "originchain.ddl:" + plan.tenant());
                    lock.execute();
                }
                st.execute("ALTER TABLE " + side + " RENAME TO " + SqlNames.quote(plan.table()));
                connection.commit();
                job.loadTable(null);
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private static boolean hasPrimaryKey(Connection connection, String table) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = CAST(? AS regclass) AND contype = 'p')")) {
            st.setString(1, table);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static boolean isFree(Connection connection, String schema, String name) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_catalog.to_regclass(?) IS NULL")) {
            st.setString(1, SqlNames.qualified(schema, name));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void drop(MappingJob job) {
        String side = SqlNames.qualified(job.targetPlan().tenant(), job.loadTable());
        job.loadTable(null);
        try (Connection connection = target.work(job.run()); Statement st = connection.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + side);
        } catch (SQLException e) {
            log.warn("sync {} {}: dropping the side table failed, the next sync drops it: {}", job.run().id(), job,
                    TargetErrors.summary(e));
        }
    }
}
