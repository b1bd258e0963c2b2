package ai.originchain.ingest.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Turns the exception a route caught into an {@code application/problem+json} response. */
@Component("problemResponder")
public class ProblemResponder {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponder.class);
    static final String TYPE_BASE = "https://docs.originchain.ai/problems/";

    private final ObjectMapper json;

    public ProblemResponder(ObjectMapper json) {
        this.json = json;
    }

    public void respond(Exchange exchange) throws JsonProcessingException {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        SyncRun run = exchange.getProperty(SyncSteps.RUN, SyncRun.class);
        // An aborted sync fails by its cut-off reads; it ends with the reason it was aborted for.
        ApiProblem problem = run != null && run.abortReason() != null ? ApiProblem.from(run.abortReason()) : apiProblemIn(caught);
        if (problem == null) {
            problem = unexpected(caught);
        }
        Map<String, Object> body = body(problem);
        if (run != null && run.anyMappingStarted()) {
            run.failMappings(problem.getMessage());
            run.finish(false);
            Map<String, Object> report = run.report();
            body.put("sync_id", run.id());
            body.put("tenant", run.tenant());
            body.put("sync_status", report.get("status"));
            body.put("started_at", report.get("started_at"));
            body.put("finished_at", report.get("finished_at"));
            body.put("mappings", report.get("mappings"));
            body.put("report", report);
            log.warn("sync {} failed with {}: {}", run.id(), problem.status(), problem.getMessage());
        } else if (problem.status() >= 500) {
            log.warn("sync request failed with {}: {}", problem.status(), problem.getMessage());
        }
        exchange.getMessage().setBody(json.writeValueAsString(body));
        HttpResponses.prepare(exchange, problem.status(), "application/problem+json");
        if (problem.status() == 401) {
            exchange.getMessage().setHeader("WWW-Authenticate", "Bearer");
        }
        if (problem.retryAfter() != null) {
            exchange.getMessage().setHeader("Retry-After", Math.max(1, problem.retryAfter().toSeconds()));
        }
    }

    public static Map<String, Object> body(ApiProblem problem) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + problem.slug());
        body.put("title", problem.title());
        body.put("status", problem.status());
        body.put("detail", problem.getMessage());
        if (!problem.errors().isEmpty()) {
            List<Map<String, String>> errors = problem.errors().stream()
                    .map(e -> Map.of("field", e.field(), "message", e.message()))
                    .toList();
            body.put("errors", errors);
        }
        return body;
    }

    private static ApiProblem apiProblemIn(Throwable caught) {
        for (Throwable t = caught; t != null; t = t.getCause()) {
            if (t instanceof ApiProblem problem) {
                return problem;
            }
            if (t instanceof SyncFailure failure) {
                return ApiProblem.from(failure);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static ApiProblem unexpected(Throwable caught) {
        // The class name only: a message could carry anything, and this one is a bug of ours.
        Throwable root = caught;
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        log.error("Unexpected failure while handling a sync request: {} (root cause {})",
                caught == null ? "unknown" : caught.getClass().getName(), root == null ? "unknown" : root.getClass().getName());
        return new ApiProblem(500, "internal-error", "Internal error",
                "the service failed unexpectedly; the failure was logged", List.of());
    }
}
