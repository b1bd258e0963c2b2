package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** A target store that cannot be reached answers 503, not 500, and says so. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:postgresql://localhost:1/postgres",
        "spring.datasource.username=postgres",
        "spring.datasource.hikari.connection-timeout=1000",
        "spring.datasource.hikari.initialization-fail-timeout=-1",
        "originchain.tenants.acme.token-sha256=" + TargetUnavailableTest.TOKEN_SHA256})
class TargetUnavailableTest {

    /** sha256("down-token"). */
    static final String TOKEN_SHA256 = "967eba64ede12939ae020891490712596da8f888220a7374dfc120a1908e757a";

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    @Test
    void aDownTargetStoreIs503() throws Exception {
        TestDatabases dbs = TestDatabases.get();
        String token = "down-token";
        assertThat(ConnectorTest.sha256(token)).as("fixture digest").isEqualTo(TOKEN_SHA256);
        Map<String, Object> body = Map.of(
                "source", Map.of("host", "localhost", "port", dbs.tlsSource.getPort(), "database", TestDatabases.SOURCE_DB,
                        "user", TestDatabases.SOURCE_USER, "password", TestDatabases.SOURCE_PASSWORD, "sslmode", "require"),
                "mappings", List.of(Map.of("source_table", "public.accounts", "target_schema", "accounts", "primary_key", List.of("id"))));
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/postgres/sync"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("type").asText()).endsWith("/target-unavailable");
        assertThat(response.body()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    @Test
    void readinessIsDownWhileTheTargetStoreIsUnreachableAndLivenessStaysUp() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> readiness = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/actuator/health/readiness")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> liveness = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/actuator/health/liveness")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(503);
        assertThat(json.readTree(readiness.body()).get("status").asText()).isEqualTo("DOWN");
        assertThat(readiness.body()).doesNotContain("localhost:1").doesNotContain("postgres");
        assertThat(liveness.statusCode()).as(liveness.body()).isEqualTo(200);
        assertThat(json.readTree(liveness.body()).get("status").asText()).isEqualTo("UP");
    }
}
