package ai.originchain.ingest.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.api.SqliteUploads;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * A cancel stops a sync whatever it waits on: a PostgreSQL read stuck in a source query is cancelled at
 * the source (its session leaves {@code pg_stat_activity}), an SQLite upload whose view never ends is
 * interrupted (no thread left in SQLite), both {@code cancelled} within 10 s, an upload sent with
 * {@code Prefer: respond-async} answered 202 once stored; and an SQLite query over
 * {@code originchain.sqlite.max-query-duration} fails its sync with 422 on the mapping, naming the table.
 */
class StuckSourceQueryTest extends ConnectorTest {

    /** An upload with a view over an endless recursive CTE, and a small table. */
    static byte[] endless;

    @Autowired
    IngestProperties properties;

    @BeforeAll
    static void sources() throws IOException, SQLException {
        // Row 5 of the table can only be read after a ten-minute sleep at the source.
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.stuck_sleeping",
                "CREATE TABLE public.stuck_sleeping (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.stuck_sleeping SELECT g, 'row ' || g FROM generate_series(1, 10) g",
                "ALTER TABLE public.stuck_sleeping ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY sleep_at_five ON public.stuck_sleeping FOR SELECT USING "
                        + "(CASE WHEN id = 5 THEN pg_catalog.pg_sleep(600)::text = '' ELSE true END)",
                "GRANT SELECT ON public.stuck_sleeping TO readonly");
        endless = sqliteFile(
                "CREATE TABLE small (id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO small VALUES (1, 'a'), (2, 'b')",
                "CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS id, 'v' AS v FROM c");
    }

    @Test
    void aPostgresSyncStuckInASourceQueryIsCancelledAtTheSourceWithinTenSeconds() throws Exception {
        HttpResponse<String> accepted = postAsync(Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.stuck_sleeping", "stuck_sleeping", List.of("id"), null))));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String syncId = json.readTree(accepted.body()).get("sync_id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> sourceSessions(syncId, " AND wait_event = 'PgSleep'") == 1);

        HttpResponse<String> cancel = send("DELETE", "acme", ACME_TOKEN, "/syncs/" + syncId);

        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(
                () -> status("acme", ACME_TOKEN, syncId).equals("cancelled") && sourceSessions(syncId, "") == 0);
    }

    @Test
    void anSqliteUploadWithAnEndlessViewIsCancelledWithinTenSecondsAndItsThreadFreed() throws Exception {
        HttpResponse<String> accepted = upload("globex", GLOBEX_TOKEN, manifest("endless", "stuck_endless"), endless, true);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String syncId = json.readTree(accepted.body()).get("sync_id").asText();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/v1/tenants/globex/ingest/postgres/syncs/" + syncId);
        // The background run reads the stored file: it is stuck in the view.
        await().atMost(Duration.ofSeconds(10)).until(() -> threadsInSqlite() > 0);

        HttpResponse<String> cancel = send("DELETE", "globex", GLOBEX_TOKEN, "/syncs/" + syncId);

        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> status("globex", GLOBEX_TOKEN, syncId).equals("cancelled"));
        await().atMost(Duration.ofSeconds(5)).until(() -> threadsInSqlite() == 0 && uploadFiles() == 0);
        // The service goes on serving: the same tenant's next upload succeeds, synchronously this time.
        HttpResponse<String> next = upload("globex", GLOBEX_TOKEN, manifest("small", "stuck_small"), endless, false);
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT string_agg(v, ',' ORDER BY id) FROM globex.stuck_small")).isEqualTo("a,b");
    }

    @Test
    void aSynchronousUploadThatIsCancelledAnswers409() throws Exception {
        Instant before = Instant.now();
        CompletableFuture<HttpResponse<String>> upload = CompletableFuture.supplyAsync(
                () -> upload("globex", GLOBEX_TOKEN, manifest("endless", "stuck_endless_sync"), endless, false));
        String syncId = await().atMost(Duration.ofSeconds(30)).until(() -> runningSince("globex", before), id -> id != null);
        await().atMost(Duration.ofSeconds(10)).until(() -> threadsInSqlite() > 0);

        assertThat(send("DELETE", "globex", GLOBEX_TOKEN, "/syncs/" + syncId).statusCode()).isEqualTo(202);

        HttpResponse<String> answer = upload.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(409);
        assertThat(json.readTree(answer.body()).get("type").asText()).endsWith("/cancelled");
        assertThat(status("globex", GLOBEX_TOKEN, syncId)).isEqualTo("cancelled");
    }

    @Test
    void anSqliteQueryOverMaxQueryDurationFailsWith422NamingTheTable() throws Exception {
        Duration configured = properties.getSqlite().getMaxQueryDuration();
        properties.getSqlite().setMaxQueryDuration(Duration.ofSeconds(2));
        try {
            HttpResponse<String> answer = upload("globex", GLOBEX_TOKEN, manifest("endless", "stuck_timed_out"), endless, false);

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(422);
            assertThat(answer.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            JsonNode error = json.readTree(answer.body()).get("errors").get(0);
            assertThat(error.get("field").asText()).isEqualTo("mappings[0]");
            assertThat(error.get("message").asText()).contains("'endless'").contains("originchain.sqlite.max-query-duration");
            assertThat(tableExists(target(), "globex.stuck_timed_out")).isFalse();
        } finally {
            properties.getSqlite().setMaxQueryDuration(configured);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> threadsInSqlite() == 0);
    }

    private static long sourceSessions(String syncId, String condition) {
        return Long.parseLong(TestDatabases.single(dbs.source(),
                "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE application_name = 'originchain ' || ?" + condition, syncId));
    }

    /** Threads of this JVM inside an SQLite statement. */
    private static long threadsInSqlite() {
        return Thread.getAllStackTraces().values().stream()
                .filter(stack -> Arrays.stream(stack).anyMatch(f -> f.getClassName().equals("org.sqlite.core.NativeDB")))
                .count();
    }

    /** Upload files in the service's temporary directory. */
    private static long uploadFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(f -> f.getFileName().toString().startsWith(SqliteUploads.TEMP_PREFIX)).count();
        }
    }

    private String runningSince(String tenant, Instant since) throws IOException {
        JsonNode page = json.readTree(send("GET", tenant, tenant.equals("acme") ? ACME_TOKEN : GLOBEX_TOKEN,
                "/syncs?status=running").body());
        for (JsonNode run : page.get("syncs")) {
            if (!Instant.parse(run.get("started_at").asText()).isBefore(since.minusSeconds(1))) {
                return run.get("sync_id").asText();
            }
        }
        return null;
    }

    private String status(String tenant, String token, String syncId) throws IOException {
        return json.readTree(send("GET", tenant, token, "/syncs/" + syncId).body()).path("status").asText();
    }

    static Map<String, Object> manifest(String table, String targetSchema) {
        return Map.of("mappings", List.of(Map.of("source_table", table, "target_schema", targetSchema, "primary_key", List.of("id"))));
    }

    /** An SQLite file made by {@code statements}. */
    static byte[] sqliteFile(String... statements) throws IOException, SQLException {
        Path file = Files.createTempFile("stuck-source-test", ".db");
        Files.delete(file);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            for (String statement : statements) {
                st.execute(statement);
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        Files.delete(file);
        return bytes;
    }

    private HttpResponse<String> postAsync(Object body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base("acme") + "/sync"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + ACME_TOKEN)
                .header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A multipart SQLite upload: the manifest as a form field, the database as a file part. */
    HttpResponse<String> upload(String tenant, String token, Map<String, Object> manifest, byte[] file, boolean async) {
        String boundary = "----originchain-stuck-boundary-3c9e";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(json.writeValueAsBytes(manifest));
            body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"database\"; filename=\"stuck.sqlite\"\r\n"
                    + "Content-Type: application/vnd.sqlite3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(file);
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/tenants/" + tenant + "/ingest/sqlite/sync"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .header("Authorization", "Bearer " + token).header("Prefer", async ? "respond-async" : "return=representation")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> send(String method, String tenant, String token, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base(tenant) + path)).method(method, HttpRequest.BodyPublishers.noBody())
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String base(String tenant) {
        return "http://localhost:" + port + "/v1/tenants/" + tenant + "/ingest/postgres";
    }
}
