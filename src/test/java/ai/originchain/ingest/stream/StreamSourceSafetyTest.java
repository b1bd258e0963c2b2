package ai.originchain.ingest.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.StreamSource;
import ai.originchain.ingest.support.TestDatabases;

/**
 * What a DBA sees of a stream at the source: every session of its initial copy named
 * {@code originchain stream <stream>} in pg_stat_activity, and a slot the source invalidated
 * ({@code wal_status = lost}) reported as failed with the way out.
 */
class StreamSourceSafetyTest extends ConnectorTest {

    private Response send(String method, String path, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                            + "/v1/tenants/acme/ingest/postgres" + path))
                    .header("Authorization", "Bearer " + ACME_TOKEN)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode node = null;
            try {
                node = r.body().isEmpty() ? null : json.readTree(r.body());
            } catch (IOException ignored) {
                // Not JSON.
            }
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), null, r.body(), node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String status(String stream) {
        return send("GET", "/streams/" + stream, null).json().get("status").asText();
    }

    private static Map<String, Object> manifest(StreamSource source, String table, String targetSchema) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source.sourceBlock(StreamSource.USER));
        body.put("mappings", List.of(mapping(table, targetSchema, List.of("id"), null)));
        return body;
    }

    @Test
    void theInitialCopysSessionsAtTheSourceCarryTheStreamsName() throws Exception {
        StreamSource src = StreamSource.get();
        // Reading the table waits for advisory lock 4711 while the test holds it: a row-level security policy
        // (forced on the owner too) that takes the lock shared, so the copy can be watched while it runs.
        TestDatabases.execute(src.asStreamer(),
                "CREATE TABLE public.gated (id int PRIMARY KEY, v text)",
                "INSERT INTO public.gated SELECT g, 'v' || g FROM generate_series(1, 20) g",
                "CREATE POLICY gate ON public.gated FOR SELECT USING ((SELECT true FROM pg_catalog.pg_advisory_xact_lock_shared(4711)))",
                "ALTER TABLE public.gated ENABLE ROW LEVEL SECURITY",
                "ALTER TABLE public.gated FORCE ROW LEVEL SECURITY");
        try (Connection gate = src.admin().getConnection(); Statement st = gate.createStatement()) {
            st.execute("SELECT pg_catalog.pg_advisory_lock(4711)");

            Response created = send("PUT", "/streams/gated", manifest(src, "public.gated", "g_gated"));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> Integer.parseInt(TestDatabases.single(src.admin(), """
                    SELECT count(*) FROM pg_stat_activity
                     WHERE application_name = 'originchain stream gated' AND wait_event = 'advisory'""")) >= 1);

            assertThat(status("gated")).isEqualTo("snapshotting");
            List<List<String>> sessions = TestDatabases.query(src.admin(), """
                    SELECT application_name, backend_type FROM pg_stat_activity WHERE usename = 'streamer' ORDER BY 2""");
            assertThat(sessions).extracting(row -> row.get(1)).as(sessions.toString()).contains("client backend", "walsender");
            assertThat(sessions).extracting(row -> row.get(0)).as(sessions.toString())
                    .allSatisfy(name -> assertThat(name).startsWith("originchain stream "))
                    .contains("originchain stream gated");
            st.execute("SELECT pg_catalog.pg_advisory_unlock(4711)");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> "streaming".equals(status("gated")));
        assertThat(fingerprint(target(), "acme.g_gated", "*", "id")).isEqualTo(fingerprint(src.admin(), "public.gated", "*", "id"));
        assertThat(send("DELETE", "/streams/gated", null).status()).isEqualTo(204);
    }

    @Test
    void aSlotTheSourceInvalidatedIsReportedFailedWithTheWayOut() {
        // A source of its own that keeps almost no WAL for slots: a stream that is not running loses its slot
        // at the next checkpoint once a WAL segment or two went by.
        StreamSource src = StreamSource.dedicated(Map.of("max_slot_wal_keep_size", "1MB"));
        TestDatabases.execute(src.asStreamer(), "CREATE TABLE public.kept (id int PRIMARY KEY, v bigint)",
                "INSERT INTO public.kept VALUES (1, 10)");
        Map<String, Object> body = manifest(src, "public.kept", "l_kept");
        assertThat(send("PUT", "/streams/walkeep", body).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() -> "streaming".equals(status("walkeep")));

        // The stream stops (a narrowed type fails it, its slot kept); the operator follows the change at the target.
        TestDatabases.execute(src.asStreamer(), "ALTER TABLE public.kept ALTER COLUMN v TYPE integer",
                "INSERT INTO public.kept VALUES (2, 20)");
        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(status("walkeep")));
        TestDatabases.execute(target(), "ALTER TABLE acme.l_kept ALTER COLUMN v TYPE integer");
        String slot = send("GET", "/streams/walkeep", null).json().get("slot").asText();

        // Meanwhile the source writes on, switches WAL segments and checkpoints: the slot is invalidated.
        for (int i = 0; i < 3; i++) {
            TestDatabases.execute(src.admin(), "CREATE TABLE IF NOT EXISTS public.filler (x int)",
                    "INSERT INTO public.filler SELECT generate_series(1, 1000)", "SELECT pg_catalog.pg_switch_wal()");
        }
        TestDatabases.execute(src.admin(), "CHECKPOINT");
        assertThat(TestDatabases.single(src.admin(), "SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?", slot))
                .isEqualTo("lost");

        // A PUT to resume finds the slot gone: failed, saying so and what to do.
        assertThat(send("PUT", "/streams/walkeep", body).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode error = send("GET", "/streams/walkeep", null).json().get("error");
            return error != null && !error.isNull() && error.get("detail").asText().contains("wal_status = lost");
        });
        JsonNode failed = send("GET", "/streams/walkeep", null).json();
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error").get("detail").asText()).contains(slot).contains("max_slot_wal_keep_size")
                .contains("DELETE the stream and PUT it again");
        assertThat(failed.get("error").get("resume").asText()).contains("DELETE the stream and PUT it again");

        // The way out works: DELETE drops the lost slot, a new PUT copies anew and streams.
        assertThat(send("DELETE", "/streams/walkeep", null).status()).isEqualTo(204);
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");
        assertThat(send("PUT", "/streams/walkeep", body).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() -> "streaming".equals(status("walkeep")));
        TestDatabases.execute(src.asStreamer(), "INSERT INTO public.kept VALUES (3, 30)");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fingerprint(target(), "acme.l_kept", "*", "id"))
                .isEqualTo(fingerprint(src.admin(), "public.kept", "*", "id")));
        assertThat(send("DELETE", "/streams/walkeep", null).status()).isEqualTo(204);
    }
}
