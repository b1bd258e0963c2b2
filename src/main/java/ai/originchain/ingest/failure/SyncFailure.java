package ai.originchain.ingest.failure;

import java.time.Duration;
import java.util.List;

/**
 * Why a sync could not start or did not finish, in the domain's terms; the API edge decides how a
 * caller sees each {@link Kind}. The message must never hold a secret: it reaches the caller.
 */
public class SyncFailure extends RuntimeException {

    public enum Kind {
        /** The request itself is malformed or a field is invalid. */
        INVALID_REQUEST(400),
        /** The manifest names what the source does not have, conflicts with the target, or is refused by policy. */
        MISMATCH(422),
        /** Another sync holds the same target. */
        TARGET_BUSY(409),
        /** A concurrency limit is reached; try again after {@link #retryAfter()}. */
        LIMIT_REACHED(429),
        /** The source could not be reached or failed during the sync. */
        SOURCE_FAILED(502),
        /** The target store could not be reached or failed. */
        TARGET_UNAVAILABLE(503),
        /** The service is stopping and takes no more work. */
        SHUTTING_DOWN(503),
        /** The caller asked the sync to stop. */
        CANCELLED(409),
        /** The thing asked for does not exist (for this tenant). */
        NOT_FOUND(404),
        /** The thing asked for exists but is in a state that does not allow the request. */
        STATE_CONFLICT(409),
        /** The feature needs a setting the operator has not made (e.g. streams without a stream key). */
        NOT_CONFIGURED(503);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        /** The HTTP status a caller sees for this kind. */
        public int status() { return status; }
    }

    private final Kind kind;
    private final List<FieldError> errors;
    private final Duration retryAfter;

    public SyncFailure(Kind kind, String detail, List<FieldError> errors, Duration retryAfter) {
        super(detail, null, false, false);
        this.kind = kind;
        this.errors = List.copyOf(errors);
        this.retryAfter = retryAfter;
    }

    public SyncFailure(Kind kind, String detail) {
        this(kind, detail, List.of(), null);
    }

    public static SyncFailure invalid(List<FieldError> errors) {
        return new SyncFailure(Kind.INVALID_REQUEST, summary(errors, "fields are invalid"), errors, null);
    }

    public static SyncFailure invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static SyncFailure mismatch(List<FieldError> errors) {
        return new SyncFailure(Kind.MISMATCH, summary(errors, "fields do not match the source or the target"), errors, null);
    }

    public static SyncFailure mismatch(String field, String message) {
        return mismatch(List.of(new FieldError(field, message)));
    }

    public static SyncFailure targetBusy(String detail) {
        return new SyncFailure(Kind.TARGET_BUSY, detail);
    }

    public static SyncFailure limitReached(String detail, Duration retryAfter) {
        return new SyncFailure(Kind.LIMIT_REACHED, detail, List.of(), retryAfter);
    }

    public static SyncFailure sourceFailed(String detail) {
        return new SyncFailure(Kind.SOURCE_FAILED, detail);
    }

    public static SyncFailure targetUnavailable(String detail) {
        return new SyncFailure(Kind.TARGET_UNAVAILABLE, detail);
    }

    public static SyncFailure cancelled(String detail) {
        return new SyncFailure(Kind.CANCELLED, detail);
    }

    public static SyncFailure notFound(String detail) {
        return new SyncFailure(Kind.NOT_FOUND, detail);
    }

    public static SyncFailure stateConflict(String detail) {
        return new SyncFailure(Kind.STATE_CONFLICT, detail);
    }

    public static SyncFailure notConfigured(String detail) {
        return new SyncFailure(Kind.NOT_CONFIGURED, detail);
    }

    public static SyncFailure shuttingDown() {
        return new SyncFailure(Kind.SHUTTING_DOWN, "the service is shutting down; retry on another instance");
    }

    private static String summary(List<FieldError> errors, String many) {
        return errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message() : errors.size() + " " + many;
    }

    public Kind kind() { return kind; }
    public List<FieldError> errors() { return errors; }
    /** For {@link Kind#LIMIT_REACHED}: when a retry may succeed; null otherwise. */
    public Duration retryAfter() { return retryAfter; }
}
