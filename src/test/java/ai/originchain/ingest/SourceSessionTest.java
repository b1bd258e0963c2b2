package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Source sessions that cannot hurt the customer's database: a lock held by another session fails
 * the sync within {@code lock-timeout}; {@code max-sync-duration} ends a sync and releases its
 * snapshot; every session names its sync in {@code pg_stat_activity}; a backend killed by a DBA is a
 * 502 with the partial report, and a rerun converges. The limits are shortened on the running
 * service for one test each and put back after it.
 */
class SourceSessionTest extends ConnectorTest {

    /** 6000 rows; from row 1501 on each takes 20 ms at the source, so a sync is reliably caught mid-read. */
    private static String slowView(String name) {
        return "CREATE OR REPLACE VIEW public." + name + " AS SELECT g AS id, public.slow_label(g) AS label "
                + "FROM generate_series(1, 6000) g";
    }

    private static final String SLOW_LABEL = """
            CREATE OR REPLACE FUNCTION public.slow_label(g int) RETURNS text LANGUAGE plpgsql STABLE AS $$
            BEGIN
                IF g > 1500 THEN PERFORM pg_sleep(0.02); END IF;
                RETURN 'order ' || g;
            END $$""";

    @Autowired
    private IngestProperties properties;

    private Map<String, Object> body(String table) {
        return Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public." + table, table, List.of("id"), null)));
    }

    private CompletableFuture<Response> postAsync(String table) {
        return CompletableFuture.supplyAsync(() -> post("acme", ACME_TOKEN, body(table)));
    }

    private static List<List<String>> sessions(String where) {
        return TestDatabases.query(TestDatabases.get().tlsSource.getPostgresDatabase(),
                "SELECT pid::text, application_name, query FROM pg_stat_activity WHERE application_name LIKE 'originchain %' AND "
                        + where);
    }

    @Test
    void aTableLockedByAnotherSessionFailsTheSyncWithinLockTimeoutWithNothingWritten(CapturedOutput output) throws SQLException {
        TestDatabases.execute(source(), "CREATE TABLE IF NOT EXISTS public.locked_orders (id int PRIMARY KEY, label text)",
                "INSERT INTO public.locked_orders SELECT g, 'order ' || g FROM generate_series(1, 100) g ON CONFLICT DO NOTHING",
                "GRANT SELECT ON public.locked_orders TO readonly");
        Duration configured = properties.getSource().getLockTimeout();
        properties.getSource().setLockTimeout(Duration.ofMillis(500));
        try (Connection holder = source().getConnection(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute("LOCK TABLE public.locked_orders IN ACCESS EXCLUSIVE MODE");

            Response failed = post("acme", ACME_TOKEN, body("locked_orders"));

            // The lock is still held: the sync gave up on its own instead of queueing behind it.
            try (var rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND granted "
                    + "AND mode = 'AccessExclusiveLock' AND relation = 'public.locked_orders'::regclass")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            holder.rollback();
            assertThat(failed.status()).as(failed.body()).isEqualTo(502);
            assertThat(failed.contentType()).startsWith("application/problem+json");
            assertThat(failed.json().get("detail").asText()).contains("public.locked_orders")
                    .contains("lock another session holds").contains("lock-timeout");
            assertThat(failed.json().get("report").get("status").asText()).isEqualTo("failed");
            assertThat(failed.json().get("mappings").get(0).get("rows_written").asLong()).isZero();
            assertThat(!tableExists(target(), "acme.locked_orders")
                    || "0".equals(TestDatabases.single(target(), "SELECT count(*) FROM acme.locked_orders"))).isTrue();
        } finally {
            properties.getSource().setLockTimeout(configured);
        }
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    @Test
    void maxSyncDurationEndsASlowSyncWith502AndThePartialReportAndItsSessionsNameTheSync() {
        TestDatabases.execute(source(), SLOW_LABEL, slowView("slow_deadline"), "GRANT SELECT ON public.slow_deadline TO readonly");
        Duration configured = properties.getSource().getMaxSyncDuration();
        properties.getSource().setMaxSyncDuration(Duration.ofSeconds(2));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Response failed;
        try {
            CompletableFuture<Response> sync = postAsync("slow_deadline");
            // The coordinator (idle in its snapshot transaction) and the reader (in its COPY), both named for the sync.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                List<List<String>> rows = sessions("(query LIKE 'COPY%slow_deadline%' OR state = 'idle in transaction')");
                rows.forEach(r -> seen.add(r.get(1) + (r.get(2).startsWith("COPY") ? " reader" : " coordinator")));
                return seen.stream().anyMatch(s -> s.endsWith(" reader")) && seen.stream().anyMatch(s -> s.endsWith(" coordinator"));
            });
            failed = sync.join();
        } finally {
            properties.getSource().setMaxSyncDuration(configured);
        }

        assertThat(failed.status()).as(failed.body()).isEqualTo(502);
        String syncId = failed.json().get("sync_id").asText();
        assertThat(seen).contains("originchain " + syncId + " reader", "originchain " + syncId + " coordinator");
        assertThat(failed.json().get("detail").asText()).contains("max-sync-duration (PT2S)");
        JsonNode report = failed.json().get("report");
        assertThat(report.get("status").asText()).isEqualTo("failed");
        JsonNode mapping = report.get("mappings").get(0);
        assertThat(mapping.get("status").asText()).isEqualTo("failed");
        assertThat(mapping.get("error").asText()).contains("snapshot at the source was released");
        assertThat(mapping.get("rows_read").asLong()).isLessThan(6000);
        // Nothing of the sync is left at the source: no session holds the snapshot back.
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions("application_name = 'originchain " + syncId + "'").isEmpty());
    }

    @Test
    void aSourceBackendTerminatedMidSyncIs502WithThePartialReportAndARerunConverges(CapturedOutput output) {
        TestDatabases.execute(source(), SLOW_LABEL, slowView("slow_killed"), "GRANT SELECT ON public.slow_killed TO readonly");
        CompletableFuture<Response> sync = postAsync("slow_killed");
        // The sync's reader, found by its application_name, once it is past the first batch.
        String pid = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            List<List<String>> readers = TestDatabases.query(dbs.tlsSource.getPostgresDatabase(),
                    "SELECT a.pid::text FROM pg_stat_activity a JOIN pg_stat_progress_copy p USING (pid) "
                            + "WHERE a.application_name LIKE 'originchain %' AND a.query LIKE 'COPY%slow_killed%' "
                            + "AND p.tuples_processed > 1000");
            return readers.isEmpty() ? null : readers.get(0).get(0);
        }, java.util.Objects::nonNull);
        TestDatabases.query(dbs.tlsSource.getPostgresDatabase(), "SELECT pg_terminate_backend(" + Integer.parseInt(pid) + ")::text");

        Response failed = sync.join();

        assertThat(failed.status()).as(failed.body()).isEqualTo(502);
        JsonNode report = failed.json().get("report");
        assertThat(report.get("status").asText()).isEqualTo("failed");
        JsonNode mapping = report.get("mappings").get(0);
        assertThat(mapping.get("status").asText()).isEqualTo("failed");
        assertThat(mapping.get("error").asText()).contains("reading public.slow_killed failed").contains("connection failed");
        long written = mapping.get("rows_written").asLong();
        assertThat(written).isLessThan(6000);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.slow_killed")).isEqualTo(String.valueOf(written));
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.slow_killed WHERE label <> 'order ' || id"))
                .isEqualTo("0");

        TestDatabases.execute(source(), "CREATE OR REPLACE VIEW public.slow_killed AS SELECT g AS id, 'order ' || g AS label "
                + "FROM generate_series(1, 6000) g");
        Response rerun = post("acme", ACME_TOKEN, body("slow_killed"));

        assertThat(rerun.status()).as(rerun.body()).isEqualTo(200);
        assertThat(fingerprint(target(), "acme.slow_killed", "id, label", "id"))
                .isEqualTo(fingerprint(source(), "public.slow_killed", "id, label", "id"));
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }
}
