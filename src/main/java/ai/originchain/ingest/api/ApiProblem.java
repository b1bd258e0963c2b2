package ai.originchain.ingest.api;

import java.util.List;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;

/**
 * A failure the caller sees as an RFC 9457 problem. The message must never hold a secret: it is
 * returned to the caller as {@code detail}.
 */
public class ApiProblem extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final List<FieldError> errors;
    private java.time.Duration retryAfter;

    public ApiProblem(int status, String slug, String title, String detail, List<FieldError> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    /** How the caller sees a domain failure. */
    public static ApiProblem from(SyncFailure failure) {
        return switch (failure.kind()) {
            case INVALID_REQUEST -> of("invalid-request", "The request is invalid", failure);
            case MISMATCH -> of("manifest-mismatch", "The manifest does not match the source or the target", failure);
            case TARGET_BUSY -> of("sync-running", "A sync of this target is already running", failure);
            case LIMIT_REACHED -> of("too-many-syncs", "Too many syncs are running", failure);
            case SOURCE_FAILED -> of("source-failed", "The source database failed", failure);
            case TARGET_UNAVAILABLE -> of("target-unavailable", "The target store is unavailable", failure);
            case SHUTTING_DOWN -> of("shutting-down", "The service is shutting down", failure);
            case CANCELLED -> of("cancelled", "The sync was cancelled", failure);
            case NOT_FOUND -> of("not-found", "Not found", failure);
            case STATE_CONFLICT -> of("conflict", "The request conflicts with the current state", failure);
            case NOT_CONFIGURED -> of("not-configured", "The service is not configured for this request", failure);
        };
    }

    private static ApiProblem of(String slug, String title, SyncFailure failure) {
        ApiProblem problem = new ApiProblem(failure.kind().status(), slug, title, failure.getMessage(), failure.errors());
        problem.retryAfter = failure.retryAfter();
        return problem;
    }

    public static ApiProblem unauthorized(String detail) {
        return new ApiProblem(401, "unauthorized", "Authentication required", detail, List.of());
    }

    public static ApiProblem forbidden(String detail) {
        return new ApiProblem(403, "forbidden", "Not allowed for this tenant", detail, List.of());
    }

    public static ApiProblem payloadTooLarge(long limit) {
        return new ApiProblem(413, "payload-too-large", "The request body is too large",
                "the body exceeds the limit of " + limit + " bytes", List.of());
    }

    public static ApiProblem unsupportedMediaType(String contentType) {
        return new ApiProblem(415, "unsupported-media-type", "The request body must be JSON",
                "Content-Type " + (contentType == null ? "(none)" : "'" + contentType + "'")
                        + " is not supported; send application/json", List.of());
    }

    public int status() { return status; }
    public String slug() { return slug; }
    public String title() { return title; }
    public List<FieldError> errors() { return errors; }
    /** For a 429: the {@code Retry-After} the caller gets; null otherwise. */
    public java.time.Duration retryAfter() { return retryAfter; }
}
