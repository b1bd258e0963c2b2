package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * As many syncs as the default limits admit (4 tenants × 4, {@code max-concurrent-syncs} 16), started
 * at once at the default pool and sync settings: first loads, first mirrors, re-syncs that merge the
 * whole table and mirror re-syncs that merge the differing ranges and delete, all overlapping. Every
 * one answers 200 and leaves its target equal to the source (docs/operations.md, "Target connections and threads").
 */
class ConcurrentSyncsTest extends ConnectorTest {

    private static final int ROWS = 30_000;
    private static final Map<String, String> TENANTS = Map.of("acme", ACME_TOKEN, "globex", GLOBEX_TOKEN,
            "initech", INITECH_TOKEN, "umbrella", UMBRELLA_TOKEN);
    /** Per tenant: a first upsert, a first mirror, an upsert re-sync and a mirror re-sync. */
    private static final List<String> TABLES = List.of("cc_load", "cc_mirror", "cc_resync", "cc_remirror");

    private static Map<String, Object> mapping(String table) {
        Map<String, Object> m = new LinkedHashMap<>(mapping("public." + table, table, List.of("id"), null));
        m.put("mode", table.contains("mirror") ? "mirror" : "upsert");
        return m;
    }

    private Map<String, Object> manifest(List<String> tables) {
        return Map.of("source", tlsSource("require"), "mappings", tables.stream().map(ConcurrentSyncsTest::mapping).toList());
    }

    private CompletableFuture<HttpResponse<String>> send(String tenant, List<String> tables) throws Exception {
        return http.sendAsync(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/" + tenant + "/ingest/postgres/sync"))
                .header("Authorization", "Bearer " + TENANTS.get(tenant))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(manifest(tables)))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTenantWhoseMappingsWaitOnTheirSourceHoldsNoThreadAnotherTenantsMappingsNeed() throws Exception {
        List<String> heldTables = List.of("cc_held_a", "cc_held_b", "cc_held_c", "cc_held_d");
        for (String table : List.of("cc_held_a", "cc_held_b", "cc_held_c", "cc_held_d", "cc_free_a", "cc_free_b")) {
            sourceTable(table, "id int PRIMARY KEY, note text", "SELECT g, md5(g::text) FROM generate_series(1, 2000) g");
        }
        try (Connection holder = dbs.source().getConnection(); Statement st = holder.createStatement()) {
            // Every read of acme's four tables waits for this lock: as many of its mappings as may run at once wait.
            holder.setAutoCommit(false);
            st.execute("LOCK TABLE public.cc_held_a, public.cc_held_b, public.cc_held_c, public.cc_held_d IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<HttpResponse<String>> held = send("acme", heldTables);
            await().atMost(Duration.ofMinutes(1)).until(() -> "t".equals(TestDatabases.single(dbs.source(),
                    "SELECT count(*) >= 2 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%cc_held_%'")));

            HttpResponse<String> other = send("globex", List.of("cc_free_a", "cc_free_b")).get(1, TimeUnit.MINUTES);

            assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
            assertThat(held).as("acme's sync still waits on its source").isNotDone();
            holder.rollback();
            HttpResponse<String> released = held.get(2, TimeUnit.MINUTES);
            assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
        }
        for (String name : List.of("globex.cc_free_a", "globex.cc_free_b", "acme.cc_held_a", "acme.cc_held_b", "acme.cc_held_c",
                "acme.cc_held_d")) {
            String table = name.substring(name.indexOf('.') + 1);
            assertThat(fingerprint(target(), name, "id, note", "id")).as(name)
                    .isEqualTo(fingerprint(source(), "public." + table, "id, note", "id"));
        }
    }

    @Autowired
    DataSource pool;

    @Autowired
    ThreadPoolTaskExecutor applicationTaskExecutor;

    @Test
    void thePoolAndTheRequestThreadsAreSizedFromTheDefaultLimitsAndTheStoreAcceptsThePool() throws Exception {
        // A synchronous sync holds a request thread until it ends: 16 of them, and 8 for every other request.
        assertThat(applicationTaskExecutor.getCorePoolSize()).isEqualTo(16 + 8);
        // 16 syncs x (a budget of 4 + a run-history session) + 8 for the service's own work.
        assertThat(pool.unwrap(HikariDataSource.class).getMaximumPoolSize()).isEqualTo(88);
        assertThat(Integer.parseInt(TestDatabases.single(target(), "SHOW max_connections"))).isGreaterThan(2 * 88);
    }

    @Test
    void sixteenSyncsOfFourTenantsAtOnceAllSucceedAtTheDefaultLimits() throws Exception {
        for (String table : TABLES) {
            sourceTable(table, "id int PRIMARY KEY, n int, note text",
                    "SELECT g, g % 1000, md5(g::text) FROM generate_series(1, " + ROWS + ") g");
        }
        List<CompletableFuture<HttpResponse<String>>> firsts = new ArrayList<>();
        for (String tenant : TENANTS.keySet()) {
            firsts.add(send(tenant, List.of("cc_resync", "cc_remirror")));
        }
        for (CompletableFuture<HttpResponse<String>> first : firsts) {
            assertThat(first.get(2, TimeUnit.MINUTES).statusCode()).as(first.get().body()).isEqualTo(200);
        }
        // Scattered changes (the whole table is merged) and one block of changes and deletes (only its ranges).
        TestDatabases.execute(dbs.source(), "UPDATE public.cc_resync SET n = -n WHERE id % 7 = 3",
                "INSERT INTO public.cc_resync SELECT g, 0, 'new' FROM generate_series(" + (ROWS + 1) + ", " + (ROWS + 500) + ") g",
                "UPDATE public.cc_remirror SET note = 'changed' WHERE id BETWEEN 1000 AND 3000",
                "DELETE FROM public.cc_remirror WHERE id BETWEEN 20000 AND 20400");

        List<String> names = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> syncs = new ArrayList<>();
        for (String tenant : TENANTS.keySet()) {
            for (String table : TABLES) {
                names.add(tenant + "." + table);
                syncs.add(send(tenant, List.of(table)));
            }
        }
        CompletableFuture.allOf(syncs.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);

        Map<String, String> answers = new LinkedHashMap<>();
        for (int i = 0; i < syncs.size(); i++) {
            HttpResponse<String> response = syncs.get(i).get();
            answers.put(names.get(i), response.statusCode() == 200 ? "200" : response.statusCode() + " " + response.body());
        }
        assertThat(answers).as("every sync's answer").allSatisfy((name, answer) -> assertThat(answer).isEqualTo("200"));
        for (String name : names) {
            String table = name.substring(name.indexOf('.') + 1);
            assertThat(fingerprint(target(), name, "id, n, note", "id")).as(name)
                    .isEqualTo(fingerprint(source(), "public." + table, "id, n, note", "id"));
        }
    }
}
