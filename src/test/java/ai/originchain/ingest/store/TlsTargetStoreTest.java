package ai.originchain.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.embedded.Certificates;
import ai.originchain.ingest.embedded.EmbeddedPostgresServers;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An operator's target store that takes TLS only ({@code hostssl} lines alone in pg_hba.conf), named
 * by {@code spring.datasource.url} with {@code sslmode=verify-full} and {@code sslrootcert}, as docs/operations.md
 * documents: syncs land there, and the server refuses anything unencrypted.
 */
class TlsTargetStoreTest {

    private static final String TARGET_PASSWORD = "target-pw-5e6f";

    @TempDir
    Path work;

    private static Connection connect(int port, String query) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", TARGET_PASSWORD);
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres?" + query, props);
    }

    @Test
    void aSyncLandsInATlsOnlyTargetStoreReachedWithVerifyFull() throws Exception {
        TestDatabases dbs = TestDatabases.get();
        TestDatabases.execute(dbs.source(),
                "CREATE TABLE IF NOT EXISTS public.tls_target_orders (id int PRIMARY KEY, note text)",
                "INSERT INTO public.tls_target_orders SELECT g, 'n' || g FROM generate_series(1, 30) g ON CONFLICT DO NOTHING",
                "GRANT SELECT ON public.tls_target_orders TO readonly");
        Certificates ca = Certificates.newAuthority("Test target store CA");
        ca.writeServerFiles(work.resolve("tls"), "localhost");
        Path caFile = Files.writeString(work.resolve("target-ca.pem"), ca.caPem());
        Path pwFile = Files.writeString(Files.createFile(work.resolve("pw"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), TARGET_PASSWORD);

        try (EmbeddedPostgres target = EmbeddedPostgresServers.start(work.resolve("target"), true, 0, work.resolve("tls"),
                TlsTargetStoreTest::hostsslOnly, true, builder -> builder
                        .setLocaleConfig("pwfile", pwFile.toString())
                        .setConnectConfig("password", TARGET_PASSWORD)
                        .setConnectConfig("sslmode", "require"))) {
            int port = target.getPort();
            assertThatThrownBy(() -> connect(port, "sslmode=disable").close()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("no encryption");

            ConfigurableApplicationContext context = new SpringApplicationBuilder(IngestApplication.class)
                    .registerShutdownHook(false).run(
                            "--server.port=0",
                            "--spring.datasource.url=jdbc:postgresql://localhost:" + port + "/postgres?sslmode=verify-full&sslrootcert="
                                    + caFile,
                            "--spring.datasource.username=postgres",
                            "--spring.datasource.password=" + TARGET_PASSWORD,
                            "--originchain.source.denied-networks=" + TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK,
                            "--originchain.tenants.acme.token-sha256=" + ConnectorTest.sha256(ConnectorTest.ACME_TOKEN));
            try {
                int httpPort = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
                String body = new ObjectMapper().writeValueAsString(Map.of(
                        "source", Map.of("host", "localhost", "port", dbs.tlsSource.getPort(), "database", TestDatabases.SOURCE_DB,
                                "user", TestDatabases.SOURCE_USER, "password", TestDatabases.SOURCE_PASSWORD, "sslmode", "require"),
                        "mappings", List.of(Map.of("source_table", "public.tls_target_orders", "target_schema", "orders",
                                "primary_key", List.of("id")))));
                HttpResponse<String> synced = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + httpPort + "/v1/tenants/acme/ingest/postgres/sync"))
                        .header("Authorization", "Bearer " + ConnectorTest.ACME_TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(synced.statusCode()).as(synced.body()).isEqualTo(200);
            } finally {
                context.close();
            }

            try (Connection tls = connect(port, "sslmode=verify-full&sslrootcert=" + caFile);
                 Statement st = tls.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*), (SELECT count(*) FROM originchain.sync_runs) FROM acme.orders")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(30);
                assertThat(rs.getInt(2)).as("run history rows").isEqualTo(1);
            }
        }
    }

    private static void hostsslOnly(File dataDir) {
        try {
            Files.writeString(dataDir.toPath().resolve("pg_hba.conf"), """
                    hostssl all all 127.0.0.1/32 scram-sha-256
                    hostssl all all ::1/128 scram-sha-256
                    """);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
