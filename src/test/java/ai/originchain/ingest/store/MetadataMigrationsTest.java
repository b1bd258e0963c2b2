package ai.originchain.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.flyway.FlywayProperties;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * The metadata schema's migrations (db/migration), with the service's own Flyway settings: they
 * build an empty store, and they bring a store made by the service's earlier DDL (written in Java,
 * before migrations) to the current schema, keeping its run history.
 */
class MetadataMigrationsTest extends ConnectorTest {

    /** What SyncHistory created before migrations existed. */
    private static final String EARLIER_HISTORY_DDL = """
            CREATE SCHEMA IF NOT EXISTS originchain;
            CREATE TABLE IF NOT EXISTS originchain.sync_runs (
                sync_id      uuid PRIMARY KEY,
                tenant       text NOT NULL,
                trigger      text NOT NULL,
                fire_time    timestamptz,
                instance     text NOT NULL,
                status       text NOT NULL,
                http_status  integer,
                started_at   timestamptz NOT NULL,
                finished_at  timestamptz,
                report       jsonb
            );
            CREATE INDEX IF NOT EXISTS sync_runs_tenant_started ON originchain.sync_runs (tenant, started_at DESC);
            """;

    @Autowired
    FlywayProperties flywaySettings;

    @Test
    void anEmptyStoreIsMigratedToTheCurrentSchema() {
        DataSource store = freshDatabase("migrate_empty");

        flyway(store).migrate();

        assertCurrentSchema(store);
        assertThat(TestDatabases.single(store, "SELECT count(*) FROM originchain.sync_runs")).isEqualTo("0");
    }

    @Test
    void aStoreMadeByTheEarlierDdlMigratesCleanlyAndKeepsItsHistory() throws IOException {
        DataSource store = freshDatabase("migrate_earlier");
        TestDatabases.execute(store, EARLIER_HISTORY_DDL, earlierQuartzDdl(),
                "INSERT INTO originchain.sync_runs (sync_id, tenant, trigger, instance, status, http_status, started_at, finished_at, report) "
                        + "VALUES ('6f1c0000-0000-4000-8000-000000000001', 'acme', 'api', 'old', 'succeeded', 200, now(), now(), '{\"status\": \"succeeded\"}')",
                "INSERT INTO originchain.qrtz_locks VALUES ('originchain-ingest', 'TRIGGER_ACCESS')");

        flyway(store).migrate();

        assertCurrentSchema(store);
        assertThat(TestDatabases.single(store, "SELECT status || ' ' || cancel_requested FROM originchain.sync_runs"))
                .isEqualTo("succeeded false");
        assertThat(TestDatabases.single(store, "SELECT count(*) FROM originchain.qrtz_locks")).isEqualTo("1");
        // Baselined below V1, so every migration ran (V1 creating only what was missing).
        assertThat(TestDatabases.query(store, "SELECT version, type FROM originchain.flyway_schema_history ORDER BY installed_rank"))
                .containsExactly(java.util.List.of("0", "BASELINE"), java.util.List.of("1", "SQL"), java.util.List.of("2", "SQL"),
                        java.util.List.of("3", "SQL"), java.util.List.of("4", "SQL"), java.util.List.of("5", "SQL"));
        // A second start finds nothing to do.
        assertThat(flyway(store).migrate().migrationsExecuted).isZero();
    }

    @Test
    void theServicesOwnStoreIsMigrated() {
        assertCurrentSchema(target());
    }

    private static void assertCurrentSchema(DataSource store) {
        assertThat(TestDatabases.single(store, "SELECT max(version::int) FROM originchain.flyway_schema_history WHERE success"))
                .isEqualTo("5");
        assertThat(TestDatabases.single(store,
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'originchain' "
                        + "AND table_name IN ('sync_cursors', 'streams', 'stream_positions', 'range_digests')")).isEqualTo("4");
        assertThat(TestDatabases.single(store,
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'originchain' AND table_name = 'sync_runs' "
                        + "AND column_name IN ('updated_at', 'cancel_requested')")).isEqualTo("2");
        assertThat(TestDatabases.single(store,
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'originchain' AND table_name LIKE 'qrtz\\_%'"))
                .isEqualTo("11");
    }

    /** Flyway as the service configures it (spring.flyway.* of application.yaml). */
    private Flyway flyway(DataSource store) {
        return Flyway.configure()
                .dataSource(store)
                .schemas(flywaySettings.getSchemas().toArray(String[]::new))
                .defaultSchema(flywaySettings.getDefaultSchema())
                .baselineOnMigrate(flywaySettings.isBaselineOnMigrate())
                .baselineVersion(flywaySettings.getBaselineVersion())
                .locations(flywaySettings.getLocations().toArray(String[]::new))
                .load();
    }

    /** What ClusteredScheduler created before migrations existed: quartz's own script, in the schema originchain. */
    private static String earlierQuartzDdl() throws IOException {
        String ddl;
        try (InputStream in = Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
            ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return ddl.replaceAll("(?m)^DROP TABLE.*$", "").replaceAll("(?m)^--.*$", "").replaceAll("(?i)\\bCOMMIT;", "")
                .replaceAll("\\bQRTZ_", "originchain.QRTZ_");
    }

    private static DataSource freshDatabase(String name) {
        TestDatabases.execute(dbs.target.getPostgresDatabase(), "DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name);
        return dbs.target.getDatabase("postgres", name);
    }
}
