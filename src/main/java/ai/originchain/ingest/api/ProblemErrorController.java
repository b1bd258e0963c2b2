package ai.originchain.ingest.api;

import java.util.Locale;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.error.ErrorAttributes;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.ServletWebRequest;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Spring's error page ({@code /error}), in place of the Whitelabel page and Boot's JSON: every error
 * the HTTP layer answers itself (404, 405, 415, a failure of the servlet) as problem+json.
 */
@RestController
public class ProblemErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

    private final ErrorAttributes errorAttributes;

    public ProblemErrorController(ErrorAttributes errorAttributes) {
        this.errorAttributes = errorAttributes;
    }

    @RequestMapping("${server.error.path:/error}")
    public ResponseEntity<byte[]> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        // Asked for directly, /error is just a path the API does not have.
        int status = code instanceof Integer c && c >= 400 ? c : 404;
        Throwable error = errorAttributes.getError(new ServletWebRequest(request));
        ApiProblem problem = ServletProblems.forStatus(status, detail(error));
        if (status >= 500) {
            // The class name only: a message could carry anything.
            log.error("Unexpected failure answered by the error page: {}", error == null ? "unknown" : error.getClass().getName());
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(ServletProblems.bytes(problem));
    }

    private static String detail(Throwable error) {
        if (error instanceof HttpMediaTypeNotSupportedException unsupported) {
            MediaType given = unsupported.getContentType();
            String supported = unsupported.getSupportedMediaTypes().stream()
                    .map(MediaType::toString).collect(Collectors.joining(" or "));
            return (given == null ? "the Content-Type is missing or not a media type"
                    : "Content-Type '" + ManifestParser.truncate(given.toString()) + "' is not supported")
                    + (supported.isEmpty() ? "" : "; send " + supported);
        }
        if (error instanceof HttpRequestMethodNotSupportedException method) {
            String[] allowed = method.getSupportedMethods();
            return ManifestParser.truncate(method.getMethod().toUpperCase(Locale.ROOT)) + " is not allowed here"
                    + (allowed == null ? "" : "; allowed: " + String.join(", ", allowed));
        }
        return null;
    }
}
