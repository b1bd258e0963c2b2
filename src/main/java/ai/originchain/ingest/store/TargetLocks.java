package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.SyncRun;

/** Makes syncs into the same tenant and target schema exclusive, across every instance sharing the target store. */
@Component("targetLocks")
public class TargetLocks {

    public static final String TRY_LOCK = "SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtextextended(?, 0))";
    public static final String UNLOCK = "SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended(?, 0))";

    private final TargetConnections target;

    public TargetLocks(TargetConnections target) {
        this.target = target;
    }

    public void acquire(SyncRun run) {
        List<String> held = new ArrayList<>();
        Connection connection = null;
        try {
            connection = target.kept(run);
            connection.setAutoCommit(true);
            try (PreparedStatement st = connection.prepareStatement(TRY_LOCK)) {
                for (MappingSpec mapping : run.manifest().mappings()) {
                    String key = key(run.tenant(), mapping.targetSchema());
                    st.setString(1, key);
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            throw SyncFailure.targetBusy("a sync into " + run.tenant() + "." + mapping.targetSchema()
                                    + " is already running; retry when it has ended");
                        }
                    }
                    held.add(key);
                }
            }
            run.lease(new TargetLease(connection, held));
        } catch (SQLException e) {
            if (connection != null) {
                new TargetLease(connection, held).close();
            }
            throw TargetErrors.unavailable(e);
        } catch (RuntimeException e) {
            if (connection != null) {
                new TargetLease(connection, held).close();
            }
            throw e;
        }
    }

    /** The lock a sync and a stream into the same tenant and target schema both take. */
    public static String key(String tenant, String targetSchema) {
        return "originchain.sync:" + tenant + "." + targetSchema;
    }
}
