package ai.originchain.ingest.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check integration teams run before shipping a change to routes/:
 * {@code ./mvnw test -Dtest=RoutesCheckTest}.
 */
class RoutesCheckTest {

    @Test
    void theRoutesFolderAndItsExampleScheduleAreValid() throws Exception {
        assertThat(RoutesCheck.check(Path.of("routes"), Path.of("routes/examples/orders-every-15-minutes.yaml"))).isEmpty();
    }

    @Test
    void theExampleScheduleWithMappingModesIsValid() throws Exception {
        assertThat(RoutesCheck.check(Path.of("routes"), Path.of("routes/examples/orders-modes-hourly.yaml"))).isEmpty();
    }

    @Test
    void aManifestWithABadModeOrFilterFailsTheCheckNamingTheField(@TempDir Path dir) throws Exception {
        copyRoutes(dir);
        Path manifest = dir.resolve("bad-modes.yaml");
        Files.writeString(manifest, Files.readString(Path.of("routes/manifests/orders-modes.example.yaml"))
                .replace("op: in", "op: like").replace("max_delete_fraction: 0.1", "max_delete_fraction: 2")
                .replace("lookback: PT5M", "lookback: 5 minutes"));
        Files.writeString(dir.resolve("bad-modes-schedule.yaml"), Files.readString(Path.of("routes/examples/orders-modes-hourly.yaml"))
                .replace("routes/manifests/orders-modes.example.yaml", manifest.toString()));

        List<String> problems = RoutesCheck.check(dir);

        assertThat(problems).anyMatch(p -> p.contains("mappings[0].filter.all[0].op"))
                .anyMatch(p -> p.contains("mappings[0].max_delete_fraction"))
                .anyMatch(p -> p.contains("mappings[1].cursor.lookback"));
    }

    @Test
    void theExampleMySqlScheduleIsValidAndItsManifestIsCheckedAsMySqls(@TempDir Path dir) throws Exception {
        assertThat(RoutesCheck.check(Path.of("routes"), Path.of("routes/examples/shop-mysql-hourly.yaml"))).isEmpty();

        copyRoutes(dir);
        Path manifest = dir.resolve("bad-mysql.yaml");
        Files.writeString(manifest, Files.readString(Path.of("routes/manifests/shop-mysql.example.yaml"))
                .replace("op: in", "op: like").replace("sslmode: verify-full", "sslmode: disable"));
        Files.writeString(dir.resolve("bad-mysql-schedule.yaml"), Files.readString(Path.of("routes/examples/shop-mysql-hourly.yaml"))
                .replace("routes/manifests/shop-mysql.example.yaml", manifest.toString()));
        Files.writeString(dir.resolve("sqlite-schedule.yaml"), Files.readString(Path.of("routes/examples/shop-mysql-hourly.yaml"))
                .replace("value: mysql", "value: sqlite").replace("schedule-acme-shop-mysql", "schedule-acme-shop-sqlite")
                .replace("value: acme-shop-mysql", "value: acme-shop-sqlite"));

        List<String> problems = RoutesCheck.check(dir);

        assertThat(problems).anyMatch(p -> p.contains("bad-mysql-schedule.yaml") && p.contains("mappings[0].filter.op"))
                .anyMatch(p -> p.contains("bad-mysql-schedule.yaml") && p.contains("source.sslmode"))
                .anyMatch(p -> p.contains("sqlite-schedule.yaml") && p.contains("engine 'sqlite'"));
    }

    @Test
    void aBrokenRouteFileFailsTheCheck(@TempDir Path dir) throws Exception {
        copyRoutes(dir);
        Files.writeString(dir.resolve("broken.yaml"), """
                - route:
                    id: broken
                    from:
                      uri: direct:broken
                      steps:
                        - noSuchStep:
                            value: 1
                """);

        List<String> problems = RoutesCheck.check(dir);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).contains("broken.yaml").contains("does not load");
    }

    @Test
    void aScheduleWhoseManifestHasAnInvalidFieldFailsTheCheck(@TempDir Path dir) throws Exception {
        copyRoutes(dir);
        Path manifest = dir.resolve("bad-manifest.yaml");
        Files.writeString(manifest, Files.readString(Path.of("routes/manifests/orders.example.yaml"))
                .replace("sslmode: verify-full", "sslmode: disable"));
        Files.writeString(dir.resolve("bad-schedule.yaml"), Files.readString(Path.of("routes/examples/orders-every-15-minutes.yaml"))
                .replace("routes/manifests/orders.example.yaml", manifest.toString()));

        List<String> problems = RoutesCheck.check(dir);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).contains("bad-schedule.yaml").contains("acme-orders").contains("source.sslmode");
    }

    @Test
    void aBadCronOrTenantFailsTheCheck(@TempDir Path dir) throws Exception {
        copyRoutes(dir);
        Files.writeString(dir.resolve("bad-cron.yaml"), Files.readString(Path.of("routes/examples/orders-every-15-minutes.yaml"))
                .replace("0 0/15 * * * ?", "every 15 minutes").replace("value: acme", "value: Public"));

        assertThat(RoutesCheck.check(dir)).anyMatch(p -> p.contains("cron")).anyMatch(p -> p.contains("tenant 'Public'"));
    }

    private static void copyRoutes(Path dir) throws Exception {
        try (var files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
    }
}
