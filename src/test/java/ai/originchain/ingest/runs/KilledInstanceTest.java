package ai.originchain.ingest.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * docs/api.md, Runs: an instance killed mid-run (a forked service, SIGKILL) leaves its run
 * {@code running} in the shared run history, and another instance (this test's service, sweeping
 * every second) marks it {@code abandoned}, seen through its own {@code GET …/syncs/{id}}.
 */
class KilledInstanceTest extends ConnectorTest {

    private static final int ROWS = 2000;
    /** The source row whose read waits for the test's advisory lock of this key. */
    private static final int HELD_AT = 1500;

    @BeforeAll
    static void heldTable() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.killed_held",
                "CREATE TABLE public.killed_held (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.killed_held SELECT g, 'held ' || g FROM generate_series(1, " + ROWS + ") g",
                "ALTER TABLE public.killed_held ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY wait_for_the_test ON public.killed_held FOR SELECT USING (CASE WHEN id = " + HELD_AT
                        + " THEN pg_catalog.pg_advisory_lock_shared(" + HELD_AT + ")::text = '' ELSE true END)",
                "GRANT SELECT ON public.killed_held TO readonly");
    }

    @Test
    void aRunWhoseInstanceIsKilledIsMarkedAbandonedByAnother() throws Exception {
        int forkPort = freePort();
        Path log = Files.createTempFile("killed-instance", ".log");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), IngestApplication.class.getName(),
                "--server.port=" + forkPort,
                "--spring.datasource.url=" + dbs.targetUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=",
                "--originchain.tenants.acme.token-sha256=" + sha256(ACME_TOKEN),
                "--originchain.source.denied-networks=" + TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK,
                "--originchain.sync.batch-rows=500",
                "--originchain.history.progress-interval=1s"));
        Process fork = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (Connection holder = dbs.source().getConnection()) {
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT pg_advisory_lock(" + HELD_AT + ")");
            }
            await().atMost(Duration.ofMinutes(2)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + forkPort + "/actuator/health/readiness")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + forkPort + "/v1/tenants/acme/ingest/postgres/sync"))
                    .header("Authorization", "Bearer " + ACME_TOKEN).header("Content-Type", "application/json")
                    .header("Prefer", "respond-async")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(Map.of("source", tlsSource("require"),
                            "mappings", List.of(mapping("public.killed_held", "killed_held", List.of("id"), null))))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String syncId = json.readTree(accepted.body()).get("sync_id").asText();

            // Seen from this instance: the fork's run, running, its read held at the source.
            JsonNode running = await().atMost(Duration.ofSeconds(20)).until(() -> run(syncId),
                    run -> run.get("status").asText().equals("running") && run.get("mappings").get(0).get("rows_read").asLong() > 0);
            String forkInstance = running.get("instance").asText();
            assertThat(forkInstance).isNotEmpty();

            // SIGKILL: no shutdown hook, nothing written at the end.
            fork.destroyForcibly().waitFor();

            JsonNode abandoned = await().atMost(Duration.ofSeconds(30)).until(() -> run(syncId),
                    run -> run.get("status").asText().equals("abandoned"));
            assertThat(abandoned.get("instance").asText()).isEqualTo(forkInstance);
            assertThat(abandoned.get("finished_at").isNull()).isFalse();
            assertThat(Files.readString(log)).doesNotContain(TestDatabases.SOURCE_PASSWORD);
        } finally {
            fork.destroyForcibly();
        }
    }

    private JsonNode run(String syncId) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/postgres/syncs/" + syncId))
                .header("Authorization", "Bearer " + ACME_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
