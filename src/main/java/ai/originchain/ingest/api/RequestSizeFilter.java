package ai.originchain.ingest.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.IngestProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Refuses an API request whose declared Content-Length is over the limit before its body is read
 * at all (the route's request guard still counts the bytes of a body sent without a length).
 */
@Component
public class RequestSizeFilter extends OncePerRequestFilter {

    private final long maxBodyBytes;
    private final long maxUploadBytes;
    private final ObjectMapper json;

    public RequestSizeFilter(IngestProperties properties, ObjectMapper json) {
        this.maxBodyBytes = properties.getApi().getMaxBodyBytes();
        this.maxUploadBytes = properties.getApi().getMaxUploadBytes();
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // SQLite uploads have their own, larger limit.
        boolean upload = request.getRequestURI().endsWith("/ingest/sqlite/sync");
        long limit = upload ? maxUploadBytes : maxBodyBytes;
        if (request.getContentLengthLong() > limit) {
            response.setStatus(413);
            response.setContentType("application/problem+json");
            response.setHeader("Connection", "close");
            response.getOutputStream().write(json.writeValueAsString(ProblemResponder.body(ApiProblem.payloadTooLarge(limit)))
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        chain.doFilter(upload ? new UploadRequest(request) : request, response);
    }
}
