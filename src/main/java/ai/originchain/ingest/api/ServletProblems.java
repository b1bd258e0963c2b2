package ai.originchain.ingest.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.servlet.http.HttpServletResponse;

/** Writes an {@link ApiProblem} straight to a servlet response, for failures answered before any route runs. */
final class ServletProblems {

    /** Problems hold only strings, numbers and lists: a plain mapper writes them as the routes do. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServletProblems() {
    }

    static byte[] bytes(ApiProblem problem) {
        try {
            return JSON.writeValueAsBytes(ProblemResponder.body(problem));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void write(HttpServletResponse response, ApiProblem problem) throws IOException {
        byte[] body = bytes(problem);
        response.setStatus(problem.status());
        response.setContentType("application/problem+json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** A problem for a status the HTTP layer chose itself (404, 405, 415, …), never echoing the request. */
    static ApiProblem forStatus(int status, String detail) {
        return switch (status) {
            case 400 -> new ApiProblem(400, "bad-request", "The request is malformed",
                    detail != null ? detail : "the request line, a header or the path is not well-formed", java.util.List.of());
            case 404 -> new ApiProblem(404, "not-found", "Not found",
                    detail != null ? detail : "there is no resource at this path", java.util.List.of());
            case 405 -> new ApiProblem(405, "method-not-allowed", "Method not allowed",
                    detail != null ? detail : "this method is not allowed on this resource", java.util.List.of());
            case 413 -> new ApiProblem(413, "payload-too-large", "The request body is too large",
                    detail != null ? detail : "the request body is too large", java.util.List.of());
            case 415 -> new ApiProblem(415, "unsupported-media-type", "Unsupported media type",
                    detail != null ? detail : "this Content-Type is not supported here", java.util.List.of());
            case 431 -> new ApiProblem(431, "headers-too-large", "Request header fields too large",
                    detail != null ? detail : "the request headers are too large", java.util.List.of());
            case 500 -> new ApiProblem(500, "internal-error", "Internal error",
                    "the service failed unexpectedly; the failure was logged", java.util.List.of());
            default -> {
                org.springframework.http.HttpStatus known = org.springframework.http.HttpStatus.resolve(status);
                String title = known != null ? known.getReasonPhrase() : "Error";
                yield new ApiProblem(status, "http-" + status, title, detail != null ? detail : title, java.util.List.of());
            }
        };
    }
}
