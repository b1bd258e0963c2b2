package ai.originchain.ingest.store;

import java.sql.SQLException;

import ai.originchain.ingest.failure.SyncFailure;

/** How failures of the target store reach the caller. */
public final class TargetErrors {

    private TargetErrors() {
    }

    public static SyncFailure unavailable(SQLException e) {
        return SyncFailure.targetUnavailable("the target store failed: " + summary(e));
    }

    static String summary(SQLException e) {
        String state = e.getSQLState() == null ? "" : " [SQLSTATE " + e.getSQLState() + "]";
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return (newline > 0 ? message.substring(0, newline) : message) + state;
    }

    /** A value the target refused (class 22 data exception, 23 integrity): the manifest's fault, not the store's. */
    public static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }
}
