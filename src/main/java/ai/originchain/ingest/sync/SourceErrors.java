package ai.originchain.ingest.sync;

import java.sql.SQLException;
import java.security.GeneralSecurityException;

import org.postgresql.util.PSQLException;

import ai.originchain.ingest.failure.SourceRowTooLarge;
import ai.originchain.ingest.failure.SyncFailure;

/** How failures of the source reach the caller: 502, with the driver's reason, password scrubbed; a row over max-row-bytes, 422 on its mapping. */
public final class SourceErrors {

    /** SQLSTATE lock_not_available: a statement gave up after {@code lock_timeout}. */
    static final String LOCK_NOT_AVAILABLE = "55P03";

    private SourceErrors() {
    }

    /**
     * A connection that could not be opened. What the source's server itself said (authentication
     * failed, no such database) and TLS verification failures are passed on: the user needs them. Anything
     * that happened before a PostgreSQL server answered over TLS (refused, timed out, no TLS, not
     * PostgreSQL) gets one answer, so the API cannot be used to scan the service's network.
     */
    public static SyncFailure connecting(SourceSpec source, SQLException e) {
        String endpoint = source.host() + ":" + source.port();
        if (serverAnswered(e) || tlsVerification(e)) {
            return SyncFailure.sourceFailed("could not connect to the source " + endpoint + ": " + reason(source, e));
        }
        return SyncFailure.sourceFailed("could not connect to the source " + endpoint + ": no PostgreSQL server "
                + "accepted a TLS connection there (refused, timed out, or not TLS)");
    }

    /** As {@link #reason(SourceSpec, SQLException)}, but a sync stopped by its deadline says so whatever broke. */
    public static String reason(SyncRun run, SQLException e) {
        if (run.snapshot() != null && run.snapshot().expired() != null) {
            return run.snapshot().expired();
        }
        return reason(run.source(), e);
    }

    public static SyncFailure duringRead(MappingJob job, SQLException e) {
        SyncFailure aborted = job.run().abortReason();
        if (aborted != null) {
            // The read failed because the abort closed it: the abort's reason is the real one.
            job.report().failed(aborted.getMessage());
            return aborted;
        }
        SourceRowTooLarge tooLarge = SourceRowTooLarge.in(e);
        if (tooLarge != null) {
            return rowTooLarge(job, tooLarge);
        }
        String reason = "reading " + job.mapping().sourceTableName() + " failed: " + reason(job.run(), e);
        job.report().failed(reason);
        return SyncFailure.sourceFailed("the source failed during the sync: " + reason);
    }

    public static String reason(SourceSpec source, SQLException e) {
        if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
            return "waited longer than originchain.source.lock-timeout for a lock another session holds on the table "
                    + "(such as ALTER TABLE, VACUUM FULL or LOCK TABLE); nothing more was read. Retry once that session "
                    + "has ended [SQLSTATE 55P03]";
        }
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

    /** A row over {@code originchain.source.max-row-bytes}: 422 on the mapping, naming what could be told of the row. */
    public static SyncFailure rowTooLarge(MappingJob job, SourceRowTooLarge tooLarge) {
        StringBuilder message = new StringBuilder("a row of ").append(job.mapping().sourceTableName());
        if (tooLarge.column() != null) {
            message.append(" (column ").append(tooLarge.column()).append(')');
        }
        message.append(" is larger than originchain.source.max-row-bytes (").append(tooLarge.limit())
                .append(" bytes): the source announced ").append(tooLarge.bytes()).append(" bytes; ");
        if (tooLarge.key() != null) {
            message.append("its key is ").append(tooLarge.key());
        } else {
            message.append("its key could not be read, the row was refused before any of it was read");
        }
        String reason = job.run().source().scrub(message.toString());
        job.report().failed(reason);
        return SyncFailure.mismatch("mappings[" + job.mapping().index() + "]", reason);
    }

    private static boolean serverAnswered(SQLException e) {
        return e instanceof PSQLException p && p.getServerErrorMessage() != null;
    }

    private static boolean tlsVerification(SQLException e) {
        if (e.getMessage() != null && e.getMessage().contains("could not be verified by hostnameverifier")) {
            return true;
        }
        // A certificate that does not verify shows as a GeneralSecurityException (PKIX, CertificateException)
        // inside the handshake failure; a handshake that fails for other reasons says nothing about TLS setup.
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof GeneralSecurityException) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) : message;
    }
}
