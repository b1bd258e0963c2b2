package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * The runs API over HTTP (docs/api.md, Runs): async syncs answered 202 with a Location, live
 * progress while a run is held at the source, the list with its filter and cursor, cancel and
 * rerun, 404/409/429, and runs whose instance died marked abandoned.
 */
class RunsApiTest extends ConnectorTest {

    private static final int SMALL_ROWS = 300;
    private static final int HELD_ROWS = 5000;
    /** The source row whose read waits for the test's advisory lock of this key. */
    private static final int HELD_AT = 3000;

    @BeforeAll
    static void sourceTables() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.runs_small, public.runs_held",
                "CREATE TABLE public.runs_small (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.runs_small SELECT g, 'row ' || g FROM generate_series(1, " + SMALL_ROWS + ") g",
                // A table whose read stops at row HELD_AT while the test holds an advisory lock: the
                // row-level security policy (which applies to the sync's role) waits for it there.
                "CREATE TABLE public.runs_held (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.runs_held SELECT g, 'held ' || g FROM generate_series(1, " + HELD_ROWS + ") g",
                "ANALYZE public.runs_held",
                "ALTER TABLE public.runs_held ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY wait_for_the_test ON public.runs_held FOR SELECT USING (CASE WHEN id = " + HELD_AT
                        + " THEN pg_catalog.pg_advisory_lock_shared(" + HELD_AT + ")::text = '' ELSE true END)",
                "GRANT SELECT ON public.runs_small, public.runs_held TO readonly");
    }

    private Map<String, Object> manifest(String table, String target) {
        return Map.of("source", tlsSource("require"), "mappings", List.of(mapping("public." + table, target, List.of("id"), null)));
    }

    @Test
    void respondAsyncAnswers202WithLocationAndTheRunSucceedsWithItsCounts() throws Exception {
        HttpResponse<String> accepted = postAsync("acme", manifest("runs_small", "runs_async"));

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode report = json.readTree(accepted.body());
        String syncId = report.get("sync_id").asText();
        assertThat(report.get("status").asText()).isEqualTo("running");
        assertThat(report.get("trigger").asText()).isEqualTo("api");
        assertThat(accepted.headers().firstValue("Location"))
                .hasValue("/v1/tenants/acme/ingest/postgres/syncs/" + syncId);

        JsonNode done = awaitStatus("acme", ACME_TOKEN, syncId, "succeeded");
        assertThat(done.get("finished_at").isNull()).isFalse();
        assertThat(done.get("instance").asText()).isNotEmpty();
        JsonNode mapping = done.get("mappings").get(0);
        assertThat(mapping.get("rows_read").asLong()).isEqualTo(SMALL_ROWS);
        assertThat(mapping.get("rows_written").asLong()).isEqualTo(SMALL_ROWS);
        assertThat(mapping.get("bytes_read").asLong()).isPositive();
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.runs_async")).isEqualTo(String.valueOf(SMALL_ROWS));
        // The history row says the same once the run has ended.
        assertThat(TestDatabases.single(target(), "SELECT status FROM originchain.sync_runs WHERE sync_id = ?::uuid", syncId))
                .isEqualTo("succeeded");

        // An ended run cannot be cancelled; another tenant's id is not found; no token, no answer.
        HttpResponse<String> late = send("DELETE", "acme", ACME_TOKEN, "/syncs/" + syncId);
        assertThat(late.statusCode()).as(late.body()).isEqualTo(409);
        assertThat(late.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(send("GET", "globex", GLOBEX_TOKEN, "/syncs/" + syncId).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "globex", GLOBEX_TOKEN, "/syncs/" + syncId).statusCode()).isEqualTo(404);
        assertThat(send("GET", "acme", ACME_TOKEN, "/syncs/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
        assertThat(send("GET", "acme", ACME_TOKEN, "/syncs/not-a-sync").statusCode()).isEqualTo(404);
        HttpResponse<String> anonymous = send("GET", "acme", null, "/syncs/" + syncId);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(send("GET", "acme", GLOBEX_TOKEN, "/syncs/" + syncId).statusCode()).isEqualTo(403);
        assertThat(send("GET", "acme", null, "/syncs").statusCode()).isEqualTo(401);
        assertThat(send("DELETE", "acme", null, "/syncs/" + syncId).statusCode()).isEqualTo(401);
    }

    @Test
    void aHeldRunShowsLiveProgressIsCancelledAndARerunConverges(CapturedOutput output) throws Exception {
        String syncId;
        try (Connection holder = dbs.source().getConnection()) {
            hold(holder);
            HttpResponse<String> accepted = postAsync("acme", manifest("runs_held", "runs_held"));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            syncId = json.readTree(accepted.body()).get("sync_id").asText();

            // Rows before the held one are read and written while the run still runs.
            JsonNode live = await().atMost(Duration.ofSeconds(30)).until(() -> get("acme", syncId),
                    r -> r.get("mappings").get(0).get("rows_written").asLong() >= 1000);
            assertThat(live.get("status").asText()).isEqualTo("running");
            JsonNode mapping = live.get("mappings").get(0);
            assertThat(mapping.get("status").asText()).isEqualTo("running");
            assertThat(mapping.get("rows_read").asLong()).isBetween(1000L, (long) HELD_AT);
            assertThat(mapping.get("bytes_read").asLong()).isPositive();
            assertThat(mapping.get("rows_per_second").asLong()).isPositive();
            assertThat(mapping.get("estimated_rows").asLong()).isEqualTo(HELD_ROWS);
            assertThat(mapping.get("eta_seconds").isNumber()).as(mapping.toString()).isTrue();
            // The history row, what other instances answer from, follows the progress too.
            await().atMost(Duration.ofSeconds(10)).until(() -> Long.parseLong(TestDatabases.single(target(),
                    "SELECT coalesce((report->'mappings'->0->>'rows_written')::bigint, 0) FROM originchain.sync_runs WHERE sync_id = ?::uuid",
                    syncId)) >= 1000);
            assertThat(statuses("running")).contains(syncId);

            HttpResponse<String> cancel = send("DELETE", "acme", ACME_TOKEN, "/syncs/" + syncId);
            assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
            assertThat(json.readTree(cancel.body()).get("sync_id").asText()).isEqualTo(syncId);

            JsonNode cancelled = awaitStatus("acme", ACME_TOKEN, syncId, "cancelled");
            long written = cancelled.get("mappings").get(0).get("rows_written").asLong();
            assertThat(written).isLessThan(HELD_AT);
            // Batches that committed stay, whole.
            assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.runs_held")).isEqualTo(String.valueOf(written));
            assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.runs_held WHERE label <> 'held ' || id")).isEqualTo("0");
            assertThat(send("DELETE", "acme", ACME_TOKEN, "/syncs/" + syncId).statusCode()).isEqualTo(409);
        }
        assertThat(statuses("cancelled")).contains(syncId);

        Response rerun = post("acme", ACME_TOKEN, manifest("runs_held", "runs_held"));
        assertThat(rerun.status()).as(rerun.body()).isEqualTo(200);
        assertThat(fingerprint(target(), "acme.runs_held", "id, label", "id"))
                .isEqualTo(fingerprint(source(), "public.runs_held", "id, label", "id"));
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    @Test
    void aFullBackgroundPoolAnswers429WithRetryAfter() throws Exception {
        List<String> held = new ArrayList<>();
        try (Connection holder = dbs.source().getConnection()) {
            hold(holder);
            // The test context's pool has two threads (originchain.api.async-pool-size).
            for (String target : List.of("runs_full_a", "runs_full_b")) {
                HttpResponse<String> accepted = postAsync("acme", manifest("runs_held", target));
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                held.add(json.readTree(accepted.body()).get("sync_id").asText());
            }

            HttpResponse<String> refused = postAsync("acme", manifest("runs_small", "runs_full_c"));

            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
            assertThat(json.readTree(refused.body()).get("status").asInt()).isEqualTo(429);
            for (String syncId : held) {
                assertThat(send("DELETE", "acme", ACME_TOKEN, "/syncs/" + syncId).statusCode()).isEqualTo(202);
            }
            for (String syncId : held) {
                awaitStatus("acme", ACME_TOKEN, syncId, "cancelled");
            }
        }
        // Slots are free again once the runs have ended.
        HttpResponse<String> accepted = await().atMost(Duration.ofSeconds(10))
                .until(() -> postAsync("acme", manifest("runs_small", "runs_full_c")), r -> r.statusCode() == 202);
        awaitStatus("acme", ACME_TOKEN, json.readTree(accepted.body()).get("sync_id").asText(), "succeeded");
    }

    @Test
    void theListIsNewestFirstFilteredByStatusAndPagedByCursor() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Response done = post("globex", GLOBEX_TOKEN, manifest("runs_small", "runs_listed"));
            assertThat(done.status()).as(done.body()).isEqualTo(200);
            ids.add(done.json().get("sync_id").asText());
        }

        JsonNode first = json.readTree(send("GET", "globex", GLOBEX_TOKEN, "/syncs?status=succeeded&limit=2").body());
        assertThat(syncIds(first)).containsExactly(ids.get(2), ids.get(1));
        assertThat(first.get("next").isTextual()).isTrue();
        for (JsonNode sync : first.get("syncs")) {
            assertThat(sync.get("status").asText()).isEqualTo("succeeded");
            assertThat(sync.get("trigger").asText()).isEqualTo("api");
            assertThat(sync.get("mappings").get(0).get("rows_written").asLong()).isEqualTo(SMALL_ROWS);
        }
        JsonNode second = json.readTree(send("GET", "globex", GLOBEX_TOKEN,
                "/syncs?status=succeeded&limit=2&next=" + first.get("next").asText()).body());
        assertThat(syncIds(second).get(0)).isEqualTo(ids.get(0));
        // Newest first across pages.
        assertThat(second.get("syncs").get(0).get("started_at").asText())
                .isLessThanOrEqualTo(first.get("syncs").get(1).get("started_at").asText());

        JsonNode failedOnly = json.readTree(send("GET", "globex", GLOBEX_TOKEN, "/syncs?status=failed&limit=100").body());
        assertThat(syncIds(failedOnly)).doesNotContainAnyElementsOf(ids);
        // Another tenant's runs are not listed.
        assertThat(statuses("succeeded")).doesNotContainAnyElementsOf(ids);

        HttpResponse<String> badLimit = send("GET", "globex", GLOBEX_TOKEN, "/syncs?limit=0");
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertThat(json.readTree(badLimit.body()).get("errors").get(0).get("field").asText()).isEqualTo("limit");
        HttpResponse<String> badStatus = send("GET", "globex", GLOBEX_TOKEN, "/syncs?status=done");
        assertThat(json.readTree(badStatus.body()).get("errors").get(0).get("field").asText()).isEqualTo("status");
        HttpResponse<String> badCursor = send("GET", "globex", GLOBEX_TOKEN, "/syncs?next=bm90LWEtY3Vyc29y");
        assertThat(badCursor.statusCode()).isEqualTo(400);
        assertThat(json.readTree(badCursor.body()).get("errors").get(0).get("field").asText()).isEqualTo("next");
    }

    @Test
    void aRunningRowWhoseInstanceDiedIsMarkedAbandonedAndALiveOneIsNot() throws Exception {
        String dead = UUID.randomUUID().toString();
        String alive = UUID.randomUUID().toString();
        // The "alive" run's instance holds its run lock from before its row exists, as a running instance's session does.
        try (Connection aliveSession = dbs.targetStore().getConnection(); Statement st = aliveSession.createStatement()) {
            st.execute("SELECT pg_advisory_lock(hashtextextended('originchain.run:" + alive + "', 0))");
            for (String id : List.of(dead, alive)) {
                TestDatabases.execute(target(), "INSERT INTO originchain.sync_runs (sync_id, tenant, trigger, instance, status, started_at, report) "
                        + "VALUES ('" + id + "', 'acme', 'api', 'some-other-instance', 'running', now(), "
                        + "jsonb_build_object('sync_id', '" + id + "', 'tenant', 'acme', 'trigger', 'api', 'status', 'running', "
                        + "'started_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'finished_at', null, 'mappings', '[]'::jsonb))");
            }

            JsonNode abandoned = awaitStatus("acme", ACME_TOKEN, dead, "abandoned");

            assertThat(abandoned.get("finished_at").isNull()).isFalse();
            assertThat(abandoned.get("instance").asText()).isEqualTo("some-other-instance");
            assertThat(get("acme", alive).get("status").asText()).isEqualTo("running");
            assertThat(statuses("abandoned")).contains(dead);
        }
        awaitStatus("acme", ACME_TOKEN, alive, "abandoned");
    }

    private static void hold(Connection holder) throws SQLException {
        try (Statement st = holder.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + HELD_AT + ")");
        }
    }

    private List<String> statuses(String status) throws IOException {
        return syncIds(json.readTree(send("GET", "acme", ACME_TOKEN, "/syncs?limit=100&status=" + status).body()));
    }

    private static List<String> syncIds(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("syncs").forEach(s -> ids.add(s.get("sync_id").asText()));
        return ids;
    }

    private JsonNode get(String tenant, String syncId) throws IOException {
        HttpResponse<String> response = send("GET", tenant, ACME_TOKEN, "/syncs/" + syncId);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private JsonNode awaitStatus(String tenant, String token, String syncId, String status) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> {
            HttpResponse<String> response = send("GET", tenant, token, "/syncs/" + syncId);
            return json.readTree(response.body());
        }, report -> status.equals(report.path("status").asText()));
    }

    private HttpResponse<String> postAsync(String tenant, Object body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base(tenant) + "/sync"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + (tenant.equals("acme") ? ACME_TOKEN : GLOBEX_TOKEN))
                .header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String tenant, String token, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base(tenant) + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
