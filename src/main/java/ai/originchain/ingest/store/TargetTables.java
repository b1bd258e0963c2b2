package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;


import org.springframework.stereotype.Component;

import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sql.SqlNames;

/**
 * Creates the tenant's schema and the target table when missing: the planned column types, no
 * defaults, sequences or identity, and a primary key on the mapping's key. A table the sync creates
 * is first loaded as a side table without its key ({@link LoadTables}).
 */
@Component("targetTables")
public class TargetTables {

    /** The tenant's DDL lock (schema, tables, columns), taken in the transaction that changes them. */
    static final String DDL_LOCK = "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(?, 0))";

    private final TargetConnections target;
    private final LoadTables loads;

    public TargetTables(TargetConnections target, LoadTables loads) {
        this.target = target;
        this.loads = loads;
    }

    public void ensure(MappingJob job) {
        TargetPlan plan = job.targetPlan();
        job.report().started();
        try (Connection connection = target.work(job.run())) {
            connection.setAutoCommit(false);
            if (plan.exists()) {
                applyChanges(connection, job);
                job.bulkLoad(isEmpty(connection, plan));
                return;
            }
            try (PreparedStatement lock = connection.prepareStatement(DDL_LOCK);
                 Statement st = connection.createStatement()) {
                // Serializes DDL per tenant, so two syncs creating the schema at once do not collide.
                lock.setString(1, "originchain.ddl:" + plan.tenant());
                lock.execute();
                st.execute("CREATE SCHEMA IF NOT EXISTS " + SqlNames.quote(plan.tenant()));
                boolean missing;
                try (PreparedStatement exists = connection.prepareStatement("SELECT pg_catalog.to_regclass(?) IS NULL")) {
                    exists.setString(1, SqlNames.qualified(plan.tenant(), plan.table()));
                    try (java.sql.ResultSet rs = exists.executeQuery()) {
                        rs.next();
                        missing = rs.getBoolean(1);
                    }
                }
                String side = missing ? LoadTables.createSide(st, plan) : null;
                connection.commit();
                if (missing) {
                    job.report().schemaCreated();
                    // Loaded without its key, which is built once the rows are in (routes/sync-mapping.yaml).
                    job.loadTable(side);
                    job.bulkLoad(true);
                    job.run().closeWhenDone(LoadTables.finisher(loads, job));
                    return;
                }
                job.bulkLoad(isEmpty(connection, plan));
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
    }

    /** New columns and widened types, in one transaction under the tenant's DDL lock. */
    private static void applyChanges(Connection connection, MappingJob job) throws SQLException {
        TargetPlan plan = job.targetPlan();
        if (plan.changes().isEmpty()) {
            return;
        }
        try (PreparedStatement lock = connection.prepareStatement(DDL_LOCK); Statement st = connection.createStatement()) {
            lock.setString(1, "originchain.ddl:" + plan.tenant());
            lock.execute();
            for (SchemaChange change : plan.changes()) {
                st.execute(change.ddl(plan));
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        }
        plan.changes().forEach(change -> job.report().schemaChanged(change.describe()));
    }

    private static boolean isEmpty(Connection connection, TargetPlan plan) throws SQLException {
        try (Statement st = connection.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM "
                     + SqlNames.qualified(plan.tenant(), plan.table()) + ")")) {
            rs.next();
            boolean empty = rs.getBoolean(1);
            connection.commit();
            return empty;
        }
    }
}
