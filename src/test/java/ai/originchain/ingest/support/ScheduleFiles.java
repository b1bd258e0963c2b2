package ai.originchain.ingest.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a schedule (a templatedRoute of scheduled-postgres-sync) and its manifest into a folder. */
public final class ScheduleFiles {

    private ScheduleFiles() {
    }

    /** The manifest's password is a placeholder: the secret itself comes from a property, never the file. */
    public static Path write(Path dir, String name, String cron, String tenant, String sourceTable, String target) {
        TestDatabases dbs = TestDatabases.get();
        try {
            Files.createDirectories(dir.resolve("manifests"));
            Path manifest = dir.resolve("manifests").resolve(name + ".yaml");
            Files.writeString(manifest, """
                    source:
                      host: localhost
                      port: %d
                      database: %s
                      user: %s
                      password: "{{originchain.secrets.test-source-password}}"
                      sslmode: require
                    mappings:
                      - source_table: %s
                        target_schema: %s
                        primary_key: [id]
                    """.formatted(dbs.tlsSource.getPort(), TestDatabases.SOURCE_DB, TestDatabases.SOURCE_USER,
                    sourceTable, target));
            Files.writeString(dir.resolve(name + ".yaml"), """
                    - templatedRoute:
                        routeTemplateRef: scheduled-postgres-sync
                        routeId: schedule-%1$s
                        parameters:
                          - name: name
                            value: %1$s
                          - name: cron
                            value: "%2$s"
                          - name: tenant
                            value: %3$s
                          - name: manifest
                            value: %4$s
                    """.formatted(name, cron, tenant, manifest.toAbsolutePath()));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A schedule of the MySQL source {@code port} (engine mysql), a mirror of {@code sourceTable}. */
    public static Path writeMySql(Path dir, String name, String cron, String tenant, int port, String sourceTable, String target) {
        try {
            Files.createDirectories(dir.resolve("manifests"));
            Path manifest = dir.resolve("manifests").resolve(name + ".yaml");
            Files.writeString(manifest, """
                    source:
                      host: localhost
                      port: %d
                      database: %s
                      user: %s
                      password: "{{originchain.secrets.test-mysql-password}}"
                      sslmode: require
                    mappings:
                      - source_table: %s
                        target_schema: %s
                        primary_key: [id]
                        mode: mirror
                    """.formatted(port, TestMariaDb.DATABASE, TestMariaDb.USER, sourceTable, target));
            Files.writeString(dir.resolve(name + ".yaml"), """
                    - templatedRoute:
                        routeTemplateRef: scheduled-postgres-sync
                        routeId: schedule-%1$s
                        parameters:
                          - name: name
                            value: %1$s
                          - name: cron
                            value: "%2$s"
                          - name: tenant
                            value: %3$s
                          - name: engine
                            value: mysql
                          - name: manifest
                            value: %4$s
                    """.formatted(name, cron, tenant, manifest.toAbsolutePath()));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
