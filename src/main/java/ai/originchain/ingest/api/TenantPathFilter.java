package ai.originchain.ingest.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

import ai.originchain.ingest.failure.FieldError;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * 400 for a path under {@code /v1/tenants/} whose tenant segment, once decoded, is not a tenant id
 * ({@code ;} parameters included), before anything reads the body or the token. A percent-encoded
 * tenant id ({@code %61cme}) is the tenant it decodes to.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class TenantPathFilter extends OncePerRequestFilter {

    static final String PREFIX = "/v1/tenants/";

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith(PREFIX);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String rest = request.getRequestURI().substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String segment = slash < 0 ? rest : rest.substring(0, slash);
        if (!wellFormed(segment)) {
            ServletProblems.write(response, new ApiProblem(400, "invalid-path", "The path is not well-formed",
                    "the tenant segment of the path is not a tenant id",
                    List.of(new FieldError("tenant", "must match " + TenantAuthenticator.TENANT_ID.pattern()
                            + " once decoded, without ';' parameters"))));
            return;
        }
        if (segment.indexOf('%') >= 0) {
            // Routes read the tenant from the raw path: hand them the decoded (checked, plain) id.
            String uri = PREFIX + UriUtils.decode(segment, StandardCharsets.UTF_8) + rest.substring(segment.length());
            request = new HttpServletRequestWrapper(request) {
                @Override
                public String getRequestURI() {
                    return uri;
                }
            };
        }
        chain.doFilter(request, response);
    }

    private static boolean wellFormed(String segment) {
        if (segment.indexOf(';') >= 0) {
            return false;
        }
        try {
            return TenantAuthenticator.TENANT_ID.matcher(UriUtils.decode(segment, StandardCharsets.UTF_8)).matches();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
