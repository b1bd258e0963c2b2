package ai.originchain.ingest.api;

import java.util.List;

/**
 * A failure the caller sees as an RFC 9457 problem. The message must never hold a secret: it is
 * returned to the caller as {@code detail}.
 */
public class ApiProblem extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final List<FieldError> errors;

    public ApiProblem(int status, String slug, String title, String detail, List<FieldError> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public static ApiProblem badRequest(List<FieldError> errors) {
        String detail = errors.size() == 1
                ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields are invalid";
        return new ApiProblem(400, "invalid-request", "The request is invalid", detail, errors);
    }

    public static ApiProblem badRequest(String field, String message) {
        return badRequest(List.of(new FieldError(field, message)));
    }

    public static ApiProblem unprocessable(List<FieldError> errors) {
        String detail = errors.size() == 1
                ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields do not match the source or the target";
        return new ApiProblem(422, "manifest-mismatch", "The manifest does not match the source or the target",
                detail, errors);
    }

    public static ApiProblem unprocessable(String field, String message) {
        return unprocessable(List.of(new FieldError(field, message)));
    }

    public static ApiProblem unauthorized(String detail) {
        return new ApiProblem(401, "unauthorized", "Authentication required", detail, List.of());
    }

    public static ApiProblem forbidden(String detail) {
        return new ApiProblem(403, "forbidden", "Not allowed for this tenant", detail, List.of());
    }

    public static ApiProblem conflict(String detail) {
        return new ApiProblem(409, "sync-running", "A sync of this target is already running", detail, List.of());
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

    public static ApiProblem sourceFailed(String detail) {
        return new ApiProblem(502, "source-failed", "The source database failed", detail, List.of());
    }

    public static ApiProblem targetUnavailable(String detail) {
        return new ApiProblem(503, "target-unavailable", "The target store is unavailable", detail, List.of());
    }

    public int status() { return status; }
    public String slug() { return slug; }
    public String title() { return title; }
    public List<FieldError> errors() { return errors; }
}
