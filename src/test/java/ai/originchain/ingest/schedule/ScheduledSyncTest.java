package ai.originchain.ingest.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.ScheduleFiles;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.support.TestMariaDb;

/**
 * Schedules declared in YAML run the same chain as the POST. The app loads routes/*.yaml plus one
 * more folder holding two schedules: a quick one, and one whose source read outlasts its interval.
 */
@DirtiesContext
class ScheduledSyncTest extends ConnectorTest {

    static final Path SCHEDULES;

    static {
        try {
            SCHEDULES = Files.createTempDirectory("originchain-schedules");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        TestDatabases.execute(TestDatabases.get().source(),
                "CREATE TABLE IF NOT EXISTS public.scheduled_orders (id int PRIMARY KEY, note text)",
                "INSERT INTO public.scheduled_orders SELECT g, 'n' || g FROM generate_series(1, 500) g ON CONFLICT DO NOTHING",
                // Every read of this view takes 3 s: longer than its schedule's 1 s interval.
                // A volatile call in the select list runs once per row read: 10 rows, 3 s.
                "CREATE OR REPLACE VIEW public.slow_orders AS SELECT g AS id, "
                        + "'slow ' || g || pg_sleep(0.3)::text AS note FROM generate_series(1, 10) g",
                "GRANT SELECT ON public.scheduled_orders, public.slow_orders TO readonly");
        ScheduleFiles.write(SCHEDULES, "quick-orders", "0/2 * * * * ?", "acme", "public.scheduled_orders", "scheduled_orders");
        TestMariaDb.get().execute("DROP TABLE IF EXISTS scheduled_my_orders",
                "CREATE TABLE scheduled_my_orders (id int PRIMARY KEY, note varchar(20))",
                "INSERT INTO scheduled_my_orders VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        ScheduleFiles.writeMySql(SCHEDULES, "mysql-orders", "0/2 * * * * ?", "acme", TestMariaDb.get().tlsPort,
                "scheduled_my_orders", "scheduled_my_orders");
        ScheduleFiles.write(SCHEDULES, "slow-orders", "0/1 * * * * ?", "acme", "public.slow_orders", "slow_orders");
    }

    @DynamicPropertySource
    static void scheduleProperties(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", () -> "file:routes/*.yaml,file:" + SCHEDULES + "/*.yaml");
        registry.add("originchain.secrets.test-source-password", () -> TestDatabases.SOURCE_PASSWORD);
        registry.add("originchain.secrets.test-mysql-password", () -> TestMariaDb.PASSWORD);
    }

    private static List<List<String>> runs(String schedule) {
        return TestDatabases.query(dbs.targetStore(), "SELECT status, fire_time::text, started_at::text, finished_at::text "
                + "FROM originchain.sync_runs WHERE trigger = ? ORDER BY started_at", "schedule:" + schedule);
    }

    @Test
    void aScheduleLandsACompleteSyncWithoutLeakingThePassword(CapturedOutput output) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> tableExists(target(), "acme.scheduled_orders")
                && runs("quick-orders").stream().anyMatch(r -> r.get(0).equals("succeeded")));

        assertThat(fingerprint(target(), "acme.scheduled_orders", "id, note", "id"))
                .isEqualTo(fingerprint(source(), "public.scheduled_orders", "id, note", "id"));
        assertThat(output.getAll()).contains("schedule quick-orders: sync").contains("succeeded");
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM originchain.sync_runs WHERE report::text LIKE ?",
                "%" + TestDatabases.SOURCE_PASSWORD + "%")).isEqualTo("0");
    }

    @Test
    void aMySqlScheduleRunsTheSameChainWithItsModes(CapturedOutput output) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> tableExists(target(), "acme.scheduled_my_orders")
                && runs("mysql-orders").stream().anyMatch(r -> r.get(0).equals("succeeded")));
        assertThat(TestDatabases.query(target(), "SELECT id::text, note FROM acme.scheduled_my_orders ORDER BY id"))
                .containsExactly(List.of("1", "one"), List.of("2", "two"), List.of("3", "three"));

        // The schedule's mode is mirror: a row deleted at the source leaves the target at a later tick.
        TestMariaDb.get().execute("DELETE FROM scheduled_my_orders WHERE id = 2");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> TestDatabases.query(target(),
                "SELECT id::text FROM acme.scheduled_my_orders ORDER BY id").equals(List.of(List.of("1"), List.of("3"))));
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM originchain.sync_runs WHERE trigger = 'schedule:mysql-orders' "
                + "AND status = 'succeeded' AND (report::jsonb)->'mappings'->0->>'rows_deleted' = '1'")).isNotEqualTo("0");
        assertThat(output.getAll()).doesNotContain(TestMariaDb.PASSWORD);
    }

    @Test
    void aTickThatComesWhileTheLastRunStillGoesIsSkippedNotRunTwice(CapturedOutput output) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            List<List<String>> runs = runs("slow-orders");
            return runs.stream().filter(r -> r.get(0).equals("succeeded")).count() >= 2
                    && runs.stream().anyMatch(r -> r.get(0).equals("skipped"));
        });

        List<List<String>> succeeded = runs("slow-orders").stream().filter(r -> r.get(0).equals("succeeded")).toList();
        for (int i = 1; i < succeeded.size(); i++) {
            // A run starts only after the one before it has finished.
            assertThat(java.time.OffsetDateTime.parse(succeeded.get(i).get(2).replace(' ', 'T') + ":00"))
                    .isAfterOrEqualTo(java.time.OffsetDateTime.parse(succeeded.get(i - 1).get(3).replace(' ', 'T') + ":00"));
        }
        assertThat(TestDatabases.single(target(), "SELECT report->>'reason' FROM originchain.sync_runs "
                + "WHERE trigger = 'schedule:slow-orders' AND status = 'skipped' LIMIT 1"))
                .isEqualTo("the previous run of this schedule was still going");
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }
}
