package ai.originchain.ingest.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.ScheduleFiles;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Two instances of the service, each a whole Spring Boot application with its own Camel context
 * and quartz scheduler, sharing only the target store, with the clustered scheduler on. Over
 * several ticks of a two-second schedule, every tick ran exactly once: the run history has one row
 * per scheduled fire time, and both instances were checked in to the quartz cluster meanwhile.
 */
class ClusteredScheduleTest {

    private static final String SCHEDULE = "cluster-orders";

    private static ConfigurableApplicationContext start(TestDatabases dbs, Path schedules) {
        // Command-line arguments: they win over ./application.yaml, as an operator's settings would.
        return new SpringApplicationBuilder(IngestApplication.class).run(
                "--server.port=0",
                "--spring.datasource.url=" + dbs.targetUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=",
                "--originchain.tenants.acme.token-sha256=" + ConnectorTest.sha256(ConnectorTest.ACME_TOKEN),
                "--originchain.scheduler.clustered=true",
                "--originchain.source.denied-networks=" + TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK,
                "--originchain.secrets.test-source-password=" + TestDatabases.SOURCE_PASSWORD,
                "--camel.main.routes-include-pattern=file:routes/*.yaml,file:" + schedules + "/*.yaml");
    }

    private static List<List<String>> ticks(TestDatabases dbs) {
        return TestDatabases.query(dbs.targetStore(), "SELECT fire_time::text, count(*)::text, string_agg(status, ',') "
                + "FROM originchain.sync_runs WHERE trigger = ? GROUP BY fire_time ORDER BY fire_time", "schedule:" + SCHEDULE);
    }

    @Test
    void eachTickRunsOnceAcrossTwoInstances() throws Exception {
        TestDatabases dbs = TestDatabases.get();
        TestDatabases.execute(dbs.source(),
                "CREATE TABLE IF NOT EXISTS public.cluster_orders (id int PRIMARY KEY, note text)",
                "INSERT INTO public.cluster_orders SELECT g, 'n' || g FROM generate_series(1, 200) g ON CONFLICT DO NOTHING",
                "GRANT SELECT ON public.cluster_orders TO readonly");
        Path schedules = ScheduleFiles.write(Files.createTempDirectory("originchain-cluster"), SCHEDULE, "0/2 * * * * ?",
                "acme", "public.cluster_orders", "cluster_orders");

        try (ConfigurableApplicationContext first = start(dbs, schedules);
             ConfigurableApplicationContext second = start(dbs, schedules)) {
            assertThat(first.isRunning()).isTrue();
            assertThat(second.isRunning()).isTrue();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Integer.parseInt(TestDatabases.single(dbs.targetStore(),
                    "SELECT count(*) FROM originchain.qrtz_scheduler_state")) == 2);
            int ticksBefore = ticks(dbs).size();

            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> ticks(dbs).size() >= ticksBefore + 5);

            List<List<String>> ticks = ticks(dbs);
            assertThat(ticks).allSatisfy(tick -> assertThat(tick.get(1)).as("runs of tick %s", tick.get(0)).isEqualTo("1"));
            // Runs are in the history from their start: the newest tick may still be running.
            assertThat(ticks.subList(0, ticks.size() - 1)).allSatisfy(tick -> assertThat(tick.get(2)).isIn("succeeded", "skipped"));
            assertThat(ticks.get(ticks.size() - 1).get(2)).isIn("succeeded", "skipped", "running");
            assertThat(TestDatabases.single(dbs.targetStore(), "SELECT count(*) FROM originchain.qrtz_scheduler_state"))
                    .as("both instances still in the cluster").isEqualTo("2");
            assertThat(TestDatabases.single(dbs.targetStore(), "SELECT count(*) FROM acme.cluster_orders")).isEqualTo("200");
        }
    }
}
