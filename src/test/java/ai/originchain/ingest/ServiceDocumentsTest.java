package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * The service documents (docs/api.md): Prometheus metrics and the OpenAPI 3 document, both served
 * without a token, while the API itself still wants one.
 */
class ServiceDocumentsTest extends ConnectorTest {

    private static final int ROWS = 120;

    @BeforeAll
    static void sourceTable() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.documents_metered",
                "CREATE TABLE public.documents_metered (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.documents_metered SELECT g, 'row ' || g FROM generate_series(1, " + ROWS + ") g",
                "GRANT SELECT ON public.documents_metered TO readonly");
    }

    @Test
    void prometheusShowsTheContractsMetricsAndTheyCountASync() {
        HttpResponse<String> before = get("/actuator/prometheus");
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        double runsBefore = value(before.body(), "originchain_sync_runs_total", "status=\"succeeded\"", "tenant=\"globex\"");
        double rowsBefore = value(before.body(), "originchain_rows_written_total", "tenant=\"globex\"");

        Response sync = post("globex", GLOBEX_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.documents_metered", "documents_metered", List.of("id"), null))));
        assertThat(sync.status()).as(sync.body()).isEqualTo(200);

        String after = get("/actuator/prometheus").body();
        assertThat(value(after, "originchain_sync_runs_total", "status=\"succeeded\"", "tenant=\"globex\"")).isEqualTo(runsBefore + 1);
        assertThat(value(after, "originchain_rows_written_total", "tenant=\"globex\"")).isEqualTo(rowsBefore + ROWS);
        assertThat(after).contains("# TYPE originchain_sync_duration_seconds histogram");
        assertThat(value(after, "originchain_sync_duration_seconds_count", "status=\"succeeded\"", "tenant=\"globex\"")).isPositive();
        assertThat(after).containsPattern("(?m)^originchain_sync_duration_seconds_bucket\\{.*le=\"\\+Inf\".*}");
        assertThat(after).containsPattern("(?m)^originchain_syncs_active(\\{[^}]*})? 0\\.0$");
        assertThat(after).containsPattern("(?m)^originchain_range_digests_pending(\\{[^}]*})? \\d+\\.0$");
        // Camel's route metrics and the JVM's are in the same registry.
        assertThat(after).containsPattern("(?m)^camel_exchanges_total\\{.*routeId=\"run-sync\".*}");
        assertThat(after).containsPattern("(?m)^camel_route_policy_seconds_count\\{.*routeId=\"run-sync\".*}");
        assertThat(after).containsPattern("(?m)^camel_exchanges_failed_total\\{");
        assertThat(after).containsPattern("(?m)^camel_exchanges_inflight\\{");
        assertThat(after).containsPattern("(?m)^jvm_memory_used_bytes\\{");
        assertThat(after).containsPattern("(?m)^jvm_gc_pause_seconds_count\\{");
        assertThat(after).containsPattern("(?m)^hikaricp_connections_active\\{.*pool=\"target-store\".*}");
        assertThat(after).containsPattern("(?m)^http_server_requests_seconds_count\\{");
    }

    @Test
    void theOpenApiDocumentIsOpenApi3AndListsEveryOperation() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/v1/openapi.json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode doc = json.readTree(response.body());
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.get("info").get("title").asText()).isNotBlank();
        // Paths are absolute (/v1/...): the server is the document's own origin, or the one a proxy says.
        assertThat(doc.get("servers").get(0).get("url").asText()).isEmpty();
        HttpResponse<String> proxied = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/openapi.json"))
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "ingest.example.com").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(json.readTree(proxied.body()).get("servers").get(0).get("url").asText()).isEqualTo("https://ingest.example.com");
        JsonNode paths = doc.get("paths");
        String base = "/v1/tenants/{tenant}/ingest/postgres";
        assertThat(operationId(paths, base + "/sync", "post")).isEqualTo("post-sync");
        assertThat(operationId(paths, base + "/syncs", "get")).isEqualTo("list-syncs");
        assertThat(operationId(paths, base + "/syncs/{sync_id}", "get")).isEqualTo("get-sync");
        assertThat(operationId(paths, base + "/syncs/{sync_id}", "delete")).isEqualTo("cancel-sync");
        List<String> ids = new ArrayList<>();
        paths.forEach(path -> path.forEach(op -> {
            if (op.has("operationId")) {
                ids.add(op.get("operationId").asText());
            }
        }));
        assertThat(ids).noneMatch(id -> id.matches("verb\\d+"));
        // Responses the API really gives are the ones the document declares.
        JsonNode cancel = paths.get(base + "/syncs/{sync_id}").get("delete").get("responses");
        assertThat(cancel.has("202")).isTrue();
        assertThat(cancel.has("404")).isTrue();
        assertThat(cancel.has("409")).isTrue();
        JsonNode sync = paths.get(base + "/sync").get("post").get("responses");
        for (String status : List.of("200", "202", "400", "401", "403", "409", "413", "415", "422", "429", "502", "503")) {
            assertThat(sync.has(status)).as(status).isTrue();
        }
        assertThat(paths.get(base + "/syncs").get("get").get("parameters").toString())
                .contains("\"status\"", "\"limit\"", "\"next\"");
    }

    @Test
    void theProbesAndDocumentsNeedNoTokenButTheApiDoes() {
        HttpResponse<String> liveness = get("/actuator/health/liveness");
        assertThat(liveness.statusCode()).as(liveness.body()).isEqualTo(200);
        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        assertThat(get("/actuator/prometheus").statusCode()).isEqualTo(200);
        assertThat(get("/v1/openapi.json").statusCode()).isEqualTo(200);
        assertThat(get("/v1/tenants/acme/ingest/postgres/syncs").statusCode()).isEqualTo(401);
        assertThat(post("acme", null, Map.of()).status()).isEqualTo(401);
    }

    private static String operationId(JsonNode paths, String path, String verb) {
        assertThat(paths.has(path)).as(path + " in " + paths.fieldNames()).isTrue();
        return paths.get(path).get(verb).get("operationId").asText();
    }

    /** The sample's value, of the series with all these labels; 0 when absent. */
    private static double value(String scrape, String name, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$").matcher(scrape);
        while (m.find()) {
            String found = m.group(1);
            if (java.util.Arrays.stream(labels).allMatch(found::contains)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
