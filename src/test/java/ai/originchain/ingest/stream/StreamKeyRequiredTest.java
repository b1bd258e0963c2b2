package ai.originchain.ingest.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.StreamSource;
import ai.originchain.ingest.support.TestDatabases;

/**
 * A service started without {@code originchain.secrets.stream-key} (a context of its own) refuses
 * every stream endpoint with 503 and touches nothing at the source: no publication, no slot.
 */
class StreamKeyRequiredTest {

    private static final TestDatabases dbs = TestDatabases.get();
    private static final StreamSource src = StreamSource.get();
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final ObjectMapper json = new ObjectMapper();
    private static ConfigurableApplicationContext context;
    private static int port;

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(IngestApplication.class).registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.datasource.url=" + dbs.targetUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=",
                "--originchain.tenants.acme.token-sha256=" + ConnectorTest.sha256(ConnectorTest.ACME_TOKEN),
                "--originchain.source.denied-networks=" + TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK);
        port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stop() {
        if (context != null && context.isActive()) {
            context.close();
        }
    }

    private static HttpResponse<String> call(String method, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/v1/tenants/acme/ingest/postgres" + path))
                .header("Authorization", "Bearer " + ConnectorTest.ACME_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("status").asInt()).isEqualTo(503);
        assertThat(problem.get("detail").asText()).contains("originchain.secrets.stream-key");
    }

    @Test
    void everyStreamEndpointAnswers503AndNothingIsMadeAtTheSource() throws Exception {
        TestDatabases.execute(src.asStreamer(), "CREATE TABLE IF NOT EXISTS public.keyless (id int PRIMARY KEY, v text)");
        Map<String, Object> body = Map.of("source", src.sourceBlock(StreamSource.USER), "mappings",
                List.of(Map.of("source_table", "public.keyless", "target_schema", "k_keyless", "primary_key", List.of("id"))));

        HttpResponse<String> put = call("PUT", "/streams/keyless", body);

        assertRefused(put);
        assertThat(put.body()).doesNotContain(StreamSource.PASSWORD);
        assertRefused(call("GET", "/streams/keyless", null));
        assertRefused(call("GET", "/streams", null));
        assertRefused(call("DELETE", "/streams/keyless", null));
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'oc_acme_keyless%'"))
                .isEqualTo("0");
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_publication WHERE pubname = 'originchain_acme_keyless'"))
                .isEqualTo("0");
        assertThat(TestDatabases.single(dbs.targetStore(),
                "SELECT count(*) FROM originchain.streams WHERE tenant = 'acme' AND stream = 'keyless'")).isEqualTo("0");
    }
}
