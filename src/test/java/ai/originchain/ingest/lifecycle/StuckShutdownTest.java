package ai.originchain.ingest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * SIGTERM while a sync is stuck in a source query (an SQLite upload whose view never ends) stops a
 * forked service within its grace period: the sync is aborted, answered 503 and recorded as failed.
 */
class StuckShutdownTest extends ConnectorTest {

    private static final Duration GRACE = Duration.ofSeconds(6);
    /** The JVM's own teardown after the last shutdown phase, on a busy machine. */
    private static final Duration EXIT_SLACK = Duration.ofSeconds(6);

    @Test
    void sigtermDuringAnEndlessSqliteQueryStopsTheServiceWithinItsGracePeriod() throws Exception {
        int forkPort = freePort();
        Path log = Files.createTempFile("stuck-shutdown", ".log");
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), IngestApplication.class.getName(),
                "--server.port=" + forkPort,
                "--spring.datasource.url=" + dbs.targetUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=",
                "--originchain.tenants.acme.token-sha256=" + sha256(ACME_TOKEN),
                "--originchain.demo.enabled=false",
                "--spring.lifecycle.timeout-per-shutdown-phase=" + GRACE.toSeconds() + "s");
        Process fork = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofMinutes(2)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + forkPort + "/actuator/health/readiness")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            CompletableFuture<HttpResponse<String>> upload = CompletableFuture.supplyAsync(() -> upload(forkPort));
            await().atMost(Duration.ofSeconds(30)).until(() -> "running".equals(runStatus()));

            long signalled = System.nanoTime();
            fork.destroy();

            assertThat(fork.waitFor(GRACE.plus(EXIT_SLACK).toSeconds(), TimeUnit.SECONDS))
                    .as("the service exited within its grace period; its log: %s", log).isTrue();
            Duration took = Duration.ofNanos(System.nanoTime() - signalled);
            assertThat(took).isLessThan(GRACE.plus(EXIT_SLACK));
            HttpResponse<String> answer = upload.get(5, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
            assertThat(json.readTree(answer.body()).get("type").asText()).endsWith("/shutting-down");
            assertThat(runStatus()).isEqualTo("failed");
        } finally {
            fork.destroyForcibly();
        }
    }

    private static String runStatus() {
        List<List<String>> rows = TestDatabases.query(dbs.targetStore(), "SELECT status FROM originchain.sync_runs WHERE tenant = 'acme' "
                + "AND report->'mappings'->0->>'target_schema' = 'sigterm_endless' ORDER BY started_at DESC LIMIT 1");
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    private HttpResponse<String> upload(int forkPort) {
        String boundary = "----originchain-sigterm-8e41";
        try {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(json.writeValueAsBytes(Map.of("mappings", List.of(Map.of("source_table", "endless",
                    "target_schema", "sigterm_endless", "primary_key", List.of("id"))))));
            body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"database\"; filename=\"endless.sqlite\"\r\n"
                    + "Content-Type: application/vnd.sqlite3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(endlessView());
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + forkPort + "/v1/tenants/acme/ingest/sqlite/sync"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("Authorization", "Bearer " + ACME_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] endlessView() throws Exception {
        Path file = Files.createTempFile("stuck-shutdown", ".db");
        Files.delete(file);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS id FROM c");
        }
        byte[] bytes = Files.readAllBytes(file);
        Files.delete(file);
        return bytes;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
