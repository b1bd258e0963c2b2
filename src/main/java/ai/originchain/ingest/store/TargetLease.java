package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Session advisory locks on the target store, one per {@code tenant.target_schema} of a sync, held on
 * one connection for the sync's duration. PostgreSQL frees them if the connection dies, so a crashed
 * instance never leaves a target locked.
 */
public final class TargetLease implements AutoCloseable {

    private final Connection connection;
    private final List<String> keys;

    TargetLease(Connection connection, List<String> keys) {
        this.connection = connection;
        this.keys = keys;
    }

    @Override
    public void close() {
        try (PreparedStatement st = connection.prepareStatement(TargetLocks.UNLOCK)) {
            for (String key : keys) {
                st.setString(1, key);
                st.execute();
            }
        } catch (SQLException ignored) {
            // Closing the connection below releases session locks too.
        } finally {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already gone: the server dropped the locks with the session.
            }
        }
    }
}
