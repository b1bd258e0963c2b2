package ai.originchain.ingest.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Our service as a user runs it: its own JVM ({@code -Xmx256m} unless told otherwise), started from the repo root, talked
 * to over HTTP only. Tenant {@code bench}, so its rows land in the target store's schema {@code bench}.
 */
final class ServiceProcess implements AutoCloseable {

    static final String TENANT = "bench";
    static final String JAR = "target/postgres-ingest-connector-0.1.0-SNAPSHOT.jar";

    record Sync(long rowsRead, long rowsWritten, long rowsChanged, long durationMs, double seconds, long rowsDeleted) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final String token;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String launch;

    private ServiceProcess(Process process, int port, String token, Path log, String launch) {
        this.process = process;
        this.port = port;
        this.token = token;
        this.log = log;
        this.launch = launch;
    }

    /** The service, its output into {@code log} (one file per run, so an odd run's log is kept). */
    static ServiceProcess start(Path repoRoot, Path workDir, Path log, PgEndpoint target, int writers, int batchRows,
                                Path jfrFile, Path runtimeClasspath, String heap) throws IOException, InterruptedException {
        String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap));
        if (jfrFile != null) {
            cmd.add("-XX:StartFlightRecording=name=bench,settings=profile,filename=" + jfrFile.toAbsolutePath());
        }
        String launch;
        if (runtimeClasspath == null) {
            if (!isBootJar(repoRoot.resolve(JAR))) {
                throw new IllegalStateException(JAR + " is not a Spring Boot jar: build it, or pass --service-classpath");
            }
            cmd.addAll(List.of("-jar", JAR));
            launch = "java -Xmx" + heap + " -jar " + JAR;
        } else {
            // No repackaged jar (spring-boot:repackage could not run offline): the same classes and
            // dependencies on a plain classpath.
            String deps = Files.readString(runtimeClasspath).trim();
            cmd.addAll(List.of("-cp", "target/classes:" + deps, "ai.originchain.ingest.IngestApplication"));
            launch = "java -Xmx" + heap + " -cp target/classes:<runtime dependencies> ai.originchain.ingest.IngestApplication";
        }
        cmd.addAll(List.of(
                "--spring.datasource.url=" + target.jdbcUrl(),
                "--spring.datasource.username=" + target.user(),
                "--originchain.tenants." + TENANT + ".token-sha256=" + sha256(token),
                "--server.port=" + port,
                "--originchain.sync.writers=" + writers,
                "--originchain.sync.batch-rows=" + batchRows,
                // The benchmark's sources run on this machine: loopback allowed, as in the tests.
                "--originchain.source.denied-networks=" + ai.originchain.ingest.support.TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(repoRoot.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPRING_DATASOURCE_PASSWORD", target.password());
        Process process = pb.start();
        Files.writeString(workDir.resolve("service.pid"), process.pid() + "\n");
        ServiceProcess service = new ServiceProcess(process, port, token, log, launch);
        service.awaitHealthy(Duration.ofMinutes(3));
        return service;
    }

    long pid() {
        return process.pid();
    }

    boolean isRunning() {
        return process.isAlive();
    }

    private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                .timeout(Duration.ofSeconds(5)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited (" + process.exitValue() + ") while starting:\n" + logTail());
            }
            try {
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the service did not become healthy in " + timeout + ":\n" + logTail());
    }

    /**
     * Waits until the service computes no target range digests in the background
     * ({@code originchain_range_digests_pending} is 0); returns the seconds waited.
     */
    double awaitBackgroundDigests(Duration timeout) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(5)).build();
        while (System.nanoTime() < deadline) {
            String body = http.send(metrics, HttpResponse.BodyHandlers.ofString()).body();
            String pending = body.lines().filter(l -> l.startsWith("originchain_range_digests_pending"))
                    .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no originchain_range_digests_pending in the metrics"));
            if (Double.parseDouble(pending) == 0) {
                return (System.nanoTime() - start) / 1e9;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the background digests took longer than " + timeout + ":\n" + logTail());
    }

    /** One sync of one table over HTTP; the wall time of the request is what is timed. */
    Sync sync(PgEndpoint source, BenchTable table) throws IOException, InterruptedException {
        return sync(source, table, "upsert");
    }

    /** One sync of {@code table} in {@code mode} (upsert or mirror). */
    Sync sync(PgEndpoint source, BenchTable table, String mode) throws IOException, InterruptedException {
        Map<String, Object> body = Map.of(
                "source", Map.of("host", source.host(), "port", source.port(), "database", source.database(),
                        "user", source.user(), "password", source.password(), "sslmode", "require"),
                "mappings", List.of(Map.of("source_table", table.sourceTable(), "target_schema", table.name(),
                        "primary_key", List.of(table.key()), "mode", mode)));
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/" + TENANT + "/ingest/postgres/sync"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofHours(2))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        double seconds = (System.nanoTime() - start) / 1e9;
        if (response.statusCode() != 200) {
            throw new IllegalStateException("sync of " + table.sourceTable() + " answered " + response.statusCode() + ": "
                    + response.body() + "\n" + logTail());
        }
        JsonNode json = JSON.readTree(response.body());
        JsonNode m = json.get("mappings").get(0);
        if (!"succeeded".equals(json.path("status").asText())) {
            throw new IllegalStateException("sync did not succeed: " + response.body());
        }
        return new Sync(m.get("rows_read").asLong(), m.get("rows_written").asLong(), m.get("rows_changed").asLong(),
                m.get("duration_ms").asLong(), seconds, m.path("rows_deleted").asLong());
    }

    /** Writes the flight recording so far (the service was started with JFR). */
    void dumpRecording(Path file) throws IOException, InterruptedException {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid()), "JFR.dump", "name=bench",
                "filename=" + file.toAbsolutePath()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0 || !Files.exists(file)) {
            throw new IllegalStateException("jcmd JFR.dump failed: " + out);
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private static boolean isBootJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return false;
        }
        try (JarFile f = new JarFile(jar.toFile())) {
            return f.getManifest() != null
                    && String.valueOf(f.getManifest().getMainAttributes().getValue("Main-Class")).startsWith("org.springframework.boot.loader");
        } catch (IOException e) {
            return false;
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
