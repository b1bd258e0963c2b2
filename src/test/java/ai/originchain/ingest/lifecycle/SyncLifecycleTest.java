package ai.originchain.ingest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.api.SqliteUploads;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Concurrency limits and the shutdown order, over HTTP, in a context of its own (a per-tenant limit
 * of 1, a service-wide one of 2, and a context this test closes itself), an SQLite upload refused
 * before any byte of it is stored. A sync is held at the source deterministically: its table is a view
 * that waits for an advisory lock the test holds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncLifecycleTest {

    private static final String INITECH_TOKEN = "initech-token-77aa";
    /** The bytes of uploads the instance stores at once: a small file fits, one of 256 KiB does not. */
    private static final int UPLOAD_BYTES_IN_FLIGHT = 128 * 1024;
    private static final TestDatabases dbs = TestDatabases.get();
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final ObjectMapper json = new ObjectMapper();
    private static ConfigurableApplicationContext context;
    private static int port;

    @BeforeAll
    static void start() {
        TestDatabases.execute(dbs.source(),
                "CREATE TABLE IF NOT EXISTS public.lifecycle_plain (id int PRIMARY KEY, note text)",
                "INSERT INTO public.lifecycle_plain SELECT g, 'n' || g FROM generate_series(1, 20) g ON CONFLICT DO NOTHING",
                "GRANT SELECT ON public.lifecycle_plain TO readonly");
        for (int key : List.of(701, 801, 802)) {
            heldView(key);
        }
        context = new SpringApplicationBuilder(IngestApplication.class).registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.datasource.url=" + dbs.targetUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=",
                "--originchain.tenants.acme.token-sha256=" + ConnectorTest.sha256(ConnectorTest.ACME_TOKEN),
                "--originchain.tenants.globex.token-sha256=" + ConnectorTest.sha256(ConnectorTest.GLOBEX_TOKEN),
                "--originchain.tenants.initech.token-sha256=" + ConnectorTest.sha256(INITECH_TOKEN),
                "--originchain.api.max-concurrent-syncs-per-tenant=1",
                "--originchain.api.max-concurrent-syncs=2",
                "--spring.lifecycle.timeout-per-shutdown-phase=8s",
                "--originchain.sqlite.max-upload-bytes-in-flight=" + UPLOAD_BYTES_IN_FLIGHT,
                "--originchain.source.denied-networks=" + TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK);
        port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stop() {
        if (context != null && context.isActive()) {
            context.close();
        }
    }

    /** A view whose rows can be read only once the test lets go of advisory lock {@code key}. */
    private static void heldView(int key) {
        TestDatabases.execute(dbs.source(), """
                CREATE OR REPLACE VIEW public.lifecycle_held_%1$d AS
                WITH gate AS (SELECT pg_catalog.pg_advisory_xact_lock_shared(%1$d))
                SELECT g AS id, 'n' || g AS note FROM gate, generate_series(1, 20) g""".formatted(key),
                "GRANT SELECT ON public.lifecycle_held_" + key + " TO readonly");
    }

    private static Connection hold(int key) throws SQLException {
        Connection holder = dbs.source().getConnection();
        try (Statement st = holder.createStatement()) {
            st.execute("SELECT pg_catalog.pg_advisory_lock(" + key + ")");
        }
        return holder;
    }

    private static void awaitWaitingSyncs(int key, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> Integer.parseInt(TestDatabases.single(dbs.source(),
                "SELECT count(*) FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = ?::oid",
                String.valueOf(key))) == count);
    }

    private static Map<String, Object> body(String sourceTable, String targetSchema) {
        return Map.of("source", Map.of("host", "localhost", "port", dbs.tlsSource.getPort(), "database", TestDatabases.SOURCE_DB,
                        "user", TestDatabases.SOURCE_USER, "password", TestDatabases.SOURCE_PASSWORD, "sslmode", "require"),
                "mappings", List.of(Map.of("source_table", sourceTable, "target_schema", targetSchema, "primary_key", List.of("id"))));
    }

    private static HttpResponse<String> post(String tenant, String token, Map<String, Object> body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create("http://localhost:" + port + "/v1/tenants/" + tenant + "/ingest/postgres/sync"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<HttpResponse<String>> postLater(String tenant, String token, Map<String, Object> body) {
        return CompletableFuture.supplyAsync(() -> post(tenant, token, body));
    }

    private static JsonNode problem(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        return json.readTree(response.body());
    }

    private static boolean targetExists(String qualified) {
        return "t".equals(TestDatabases.single(dbs.targetStore(), "SELECT to_regclass(?) IS NOT NULL", qualified));
    }

    @Test
    @Order(1)
    void aTenantOverItsLimitGets429WithRetryAfterAndNothingWritten() throws Exception {
        CompletableFuture<HttpResponse<String>> first;
        CompletableFuture<HttpResponse<String>> globex;
        try (Connection gate = hold(701)) {
            first = postLater("acme", ConnectorTest.ACME_TOKEN, body("public.lifecycle_held_701", "limit_first"));
            awaitWaitingSyncs(701, 1);

            HttpResponse<String> second = post("acme", ConnectorTest.ACME_TOKEN, body("public.lifecycle_plain", "limit_second"));

            assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
            assertThat(second.headers().firstValue("Retry-After")).hasValueSatisfying(
                    value -> assertThat(Integer.parseInt(value)).isPositive());
            JsonNode tenantLimit = problem(second);
            assertThat(tenantLimit.get("status").asInt()).isEqualTo(429);
            assertThat(tenantLimit.get("detail").asText()).contains("acme");
            assertThat(targetExists("acme.limit_second")).isFalse();

            // Another tenant still runs (the service-wide limit is 2)...
            globex = postLater("globex", ConnectorTest.GLOBEX_TOKEN, body("public.lifecycle_held_701", "limit_held"));
            awaitWaitingSyncs(701, 2);
            // ...and with two running, a third tenant meets the service-wide limit.
            HttpResponse<String> third = post("initech", INITECH_TOKEN, body("public.lifecycle_plain", "limit_third"));
            assertThat(third.statusCode()).as(third.body()).isEqualTo(429);
            assertThat(third.headers().firstValue("Retry-After")).isPresent();
            assertThat(problem(third).get("detail").asText()).contains("service");
            assertThat(targetExists("initech.limit_third")).isFalse();
            assertThat(first).isNotDone();
        }

        assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(globex.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        HttpResponse<String> retried = post("acme", ConnectorTest.ACME_TOKEN, body("public.lifecycle_plain", "limit_second"));
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        assertThat(TestDatabases.single(dbs.targetStore(), "SELECT count(*) FROM acme.limit_second")).isEqualTo("20");
    }

    @Test
    @Order(2)
    void anUploadOverItsTenantsLimitIs429BeforeAnyByteOfItIsStored() throws Exception {
        byte[] database = sqliteFile("CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO items VALUES (1, 'a')");
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        CompletableFuture<HttpResponse<String>> held;
        try (WatchService watch = temp.getFileSystem().newWatchService()) {
            temp.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            try (Connection gate = hold(701)) {
                held = postLater("acme", ConnectorTest.ACME_TOKEN, body("public.lifecycle_held_701", "upload_limit_held"));
                awaitWaitingSyncs(701, 1);

                HttpResponse<String> refused = upload("acme", ConnectorTest.ACME_TOKEN, "upload_limit", database);

                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
                assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(
                        value -> assertThat(Integer.parseInt(value)).isPositive());
                assertThat(problem(refused).get("detail").asText()).contains("acme");
            }
            assertThat(held.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

            // Once the tenant's sync has ended the same upload is stored and runs: the one upload file made.
            HttpResponse<String> accepted = upload("acme", ConnectorTest.ACME_TOKEN, "upload_limit", database);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
            List<String> created = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                WatchKey key = watch.poll();
                if (key != null) {
                    key.pollEvents().stream().map(e -> e.context().toString())
                            .filter(name -> name.startsWith(SqliteUploads.TEMP_PREFIX)).forEach(created::add);
                    key.reset();
                }
                return !created.isEmpty();
            });
            assertThat(created).hasSize(1);
        }
        assertThat(TestDatabases.single(dbs.targetStore(), "SELECT count(*) FROM acme.upload_limit")).isEqualTo("1");
    }

    @Test
    @Order(3)
    void anUploadOverTheInstancesUploadBytesInFlightIs429AndLeavesNoFile() throws Exception {
        byte[] large = sqliteFile("CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO items WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 256) "
                        + "SELECT n, printf('%01024d', n) FROM g");
        assertThat(large.length).isGreaterThan(UPLOAD_BYTES_IN_FLIGHT);

        HttpResponse<String> refused = upload("initech", INITECH_TOKEN, "upload_budget", large);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(problem(refused).get("detail").asText()).contains("originchain.sqlite.max-upload-bytes-in-flight");
        assertThat(targetExists("initech.upload_budget")).isFalse();
        // Its bytes and its slot were given back: a small upload of the same tenant fits at once.
        byte[] small = sqliteFile("CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO items VALUES (1, 'a')");
        HttpResponse<String> accepted = upload("initech", INITECH_TOKEN, "upload_budget", small);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    }

    private static byte[] sqliteFile(String... statements) throws Exception {
        Path file = Files.createTempFile("lifecycle-upload", ".db");
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

    private static HttpResponse<String> upload(String tenant, String token, String targetSchema, byte[] database) throws Exception {
        String boundary = "----originchain-lifecycle-5b2a";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(json.writeValueAsBytes(Map.of("mappings", List.of(Map.of("source_table", "items", "target_schema", targetSchema,
                "primary_key", List.of("id"))))));
        body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"database\"; filename=\"items.sqlite\"\r\n"
                + "Content-Type: application/vnd.sqlite3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(database);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/tenants/" + tenant + "/ingest/sqlite/sync"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(4)
    void onShutdownNewSyncsGet503RunningOnesFinishAndTheRestAreAbortedAndRecorded() throws Exception {
        Connection finishing = hold(801);
        CompletableFuture<HttpResponse<String>> finished;
        CompletableFuture<HttpResponse<String>> aborted;
        CompletableFuture<Void> closing;
        try (Connection neverReleased = hold(802)) {
            finished = postLater("acme", ConnectorTest.ACME_TOKEN, body("public.lifecycle_held_801", "shutdown_finished"));
            aborted = postLater("globex", ConnectorTest.GLOBEX_TOKEN, body("public.lifecycle_held_802", "shutdown_aborted"));
            awaitWaitingSyncs(801, 1);
            awaitWaitingSyncs(802, 1);

            closing = CompletableFuture.runAsync(context::close);

            // Until the service stops taking syncs a probe meets acme's limit (429); then it is refused with 503.
            await().atMost(Duration.ofSeconds(10)).until(() -> post("acme", ConnectorTest.ACME_TOKEN,
                    body("public.lifecycle_plain", "shutdown_probe")).statusCode() == 503);
            HttpResponse<String> refused = post("initech", INITECH_TOKEN, body("public.lifecycle_plain", "shutdown_probe"));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(problem(refused).get("type").asText()).endsWith("/shutting-down");
            assertThat(targetExists("initech.shutdown_probe")).isFalse();

            // A sync that ends within the grace period ends normally.
            finishing.close();
            HttpResponse<String> done = finished.get(30, TimeUnit.SECONDS);
            assertThat(done.statusCode()).as(done.body()).isEqualTo(200);

            // One still held when the grace period is over is aborted: 503, its partial report, and recorded.
            HttpResponse<String> cut = aborted.get(30, TimeUnit.SECONDS);
            assertThat(cut.statusCode()).as(cut.body()).isEqualTo(503);
            JsonNode cutProblem = problem(cut);
            assertThat(cutProblem.get("type").asText()).endsWith("/shutting-down");
            closing.get(30, TimeUnit.SECONDS);
            // Its statement was cancelled at the source, not left waiting for the lock this test still holds.
            awaitWaitingSyncs(802, 0);
        }

        assertThat(history("acme", "shutdown_finished")).containsExactly("succeeded", "200");
        assertThat(history("globex", "shutdown_aborted")).containsExactly("failed", "503");
        assertThat(json.readTree(TestDatabases.single(dbs.targetStore(),
                "SELECT report::text FROM originchain.sync_runs WHERE tenant = 'globex' AND report->'mappings'->0->>'target_schema' = 'shutdown_aborted'"))
                .get("status").asText()).isEqualTo("failed");
    }

    private static List<String> history(String tenant, String targetSchema) {
        List<List<String>> rows = TestDatabases.query(dbs.targetStore(),
                "SELECT status, http_status::text FROM originchain.sync_runs WHERE tenant = ? "
                        + "AND report->'mappings'->0->>'target_schema' = ? ORDER BY started_at DESC", tenant, targetSchema);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }
}
