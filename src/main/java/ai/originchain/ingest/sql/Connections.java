package ai.originchain.ingest.sql;

import java.sql.Connection;
import java.sql.SQLException;

/** Releasing a JDBC connection on a path where a failure has already been reported or nothing is left to do. */
public final class Connections {

    private Connections() {
    }

    /** Ends an open transaction, then closes; a broken connection is only closed. */
    public static void rollbackAndClose(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            if (!connection.isClosed()) {
                connection.rollback();
            }
        } catch (SQLException ignored) {
            // The connection may already be broken; closing below is what matters.
        }
        closeQuietly(connection);
    }

    public static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Already gone: the server freed the session with it.
        }
    }
}
