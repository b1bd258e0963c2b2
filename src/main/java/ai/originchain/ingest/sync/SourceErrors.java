package ai.originchain.ingest.sync;

import java.sql.SQLException;

import ai.originchain.ingest.failure.SyncFailure;

/** How failures of the source reach the caller: 502, with the driver's reason, password scrubbed. */
public final class SourceErrors {

    private SourceErrors() {
    }

    public static SyncFailure connecting(SourceSpec source, SQLException e) {
        return SyncFailure.sourceFailed("could not connect to the source " + source.host() + ":" + source.port()
                + ": " + reason(source, e));
    }

    public static SyncFailure duringRead(MappingJob job, SQLException e) {
        SyncFailure aborted = job.run().abortReason();
        if (aborted != null) {
            // The read failed because the abort closed it: the abort's reason is the real one.
            job.report().failed(aborted.getMessage());
            return aborted;
        }
        String reason = "reading " + job.mapping().sourceTableName() + " failed: " + reason(job.run().source(), e);
        job.report().failed(reason);
        return SyncFailure.sourceFailed("the source failed during the sync: " + reason);
    }

    public static String reason(SourceSpec source, SQLException e) {
        StringBuilder reason = new StringBuilder(firstLine(e.getMessage()));
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !reason.toString().contains(cause.getMessage())) {
            reason.append(" (").append(firstLine(cause.getMessage())).append(')');
        }
        if (e.getSQLState() != null) {
            reason.append(" [SQLSTATE ").append(e.getSQLState()).append(']');
        }
        return source.scrub(reason.toString());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) : message;
    }
}
