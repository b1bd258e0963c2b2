package ai.originchain.ingest.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.StreamSource;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Exactly once across failures, with two instances on one target store: instance A (its own JVM)
 * runs a stream while a writer commits transactions that each insert a ledger row and bump a
 * counter; A is killed (SIGKILL) mid-stream; instance B takes over; then the source itself restarts
 * and the stream resumes. At every look the target's counter equals its number of ledger rows (no
 * transaction half applied, none applied twice), and in the end the target equals the source.
 */
class StreamRecoveryTest {

    private static final String STORE = "recovery_store";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final TestDatabases dbs = TestDatabases.get();
    private final StreamSource src = StreamSource.get();

    private String storeUrl() {
        return "jdbc:postgresql://localhost:" + dbs.target.getPort() + "/" + STORE;
    }

    private DataSource store() {
        return dbs.target.getDatabase("postgres", STORE);
    }

    private List<String> args(int port) {
        return List.of("--server.port=" + port,
                "--spring.datasource.url=" + storeUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=",
                "--originchain.tenants.acme.token-sha256=" + ConnectorTest.sha256(ConnectorTest.ACME_TOKEN),
                "--originchain.secrets.stream-key=" + ConnectorTest.STREAM_KEY,
                "--originchain.streams.poll-interval=1s",
                "--originchain.streams.status-interval=1s",
                "--originchain.source.denied-networks=" + TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private JsonNode call(int port, String method, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/v1/tenants/acme/ingest/postgres/streams/ledger"))
                .header("Authorization", "Bearer " + ConnectorTest.ACME_TOKEN)
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode node = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        return JSON.createObjectNode().put("http_status", r.statusCode()).set("body", node);
    }

    /** One statement, one snapshot: the target never shows a transaction half applied or applied twice. */
    private long consistentLedgerRows() {
        List<String> row = TestDatabases.query(store(), "SELECT (SELECT n FROM acme.r_counter WHERE id = 1)::text, "
                + "(SELECT count(*) FROM acme.r_ledger)::text").get(0);
        if (row.get(0) == null) {
            return 0;
        }
        assertThat(row.get(0)).as("target counter vs its ledger rows").isEqualTo(row.get(1));
        return Long.parseLong(row.get(1));
    }

    @Test
    void noChangeIsLostOrAppliedTwiceWhenTheRunnerIsKilledAndTheSourceRestarts() throws Exception {
        TestDatabases.execute(dbs.targetStore(), "SELECT 1");
        if (TestDatabases.single(dbs.targetStore(), "SELECT count(*) FROM pg_database WHERE datname = ?", STORE).equals("0")) {
            TestDatabases.execute(dbs.targetStore(), "CREATE DATABASE " + STORE);
        }
        TestDatabases.execute(src.asStreamer(),
                "CREATE TABLE public.ledger (id bigint PRIMARY KEY, n bigint, note text)",
                "CREATE TABLE public.counter (id int PRIMARY KEY, n bigint)",
                "INSERT INTO public.counter VALUES (1, 0)");
        Map<String, Object> manifest = Map.of("source", src.sourceBlock(StreamSource.USER), "mappings", List.of(
                Map.of("source_table", "public.ledger", "target_schema", "r_ledger", "primary_key", List.of("id")),
                Map.of("source_table", "public.counter", "target_schema", "r_counter", "primary_key", List.of("id"))));

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        Thread writer = new Thread(() -> {
            long id = 0;
            while (writing.get()) {
                try (Connection c = src.asStreamer().getConnection(); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    while (writing.get()) {
                        st.execute("INSERT INTO public.ledger VALUES (" + (id + 1) + ", " + (id + 1) + ", 'x')");
                        st.execute("UPDATE public.counter SET n = n + 1 WHERE id = 1");
                        c.commit();
                        id++;
                        committed.set(id);
                    }
                } catch (SQLException e) {
                    // The source restarts: reconnect and go on (a failed transaction was rolled back, so id stays).
                    if (!writing.get()) {
                        return;
                    }
                }
            }
        });

        int portA = freePort();
        Path log = Files.createTempFile("instance-a", ".log");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), IngestApplication.class.getName()));
        command.addAll(args(portA));
        Process instanceA = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ConfigurableApplicationContext instanceB = null;
        try {
            await().atMost(Duration.ofMinutes(3)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + portA + "/actuator/health/readiness")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            JsonNode created = call(portA, "PUT", manifest);
            assertThat(created.get("http_status").asInt()).as(created.toString()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> "streaming".equals(call(portA, "GET", null).get("body").get("status").asText()));

            int portB = freePort();
            instanceB = new SpringApplicationBuilder(IngestApplication.class).run(args(portB).toArray(String[]::new));
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> consistentLedgerRows() >= 300);

            // SIGKILL: no shutdown hook, no goodbye to either database.
            instanceA.destroyForcibly().waitFor();
            long atKill = consistentLedgerRows();
            await().atMost(Duration.ofSeconds(30)).until(() -> consistentLedgerRows() > atKill + 100);

            // The source restarts under the running stream (and the writer).
            src.restart();
            long afterRestart = committed.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> committed.get() > afterRestart + 100);
            writing.set(false);
            writer.join();

            await().atMost(Duration.ofSeconds(60)).until(() -> consistentLedgerRows() == committed.get());
            assertThat(ConnectorTestAccess.fingerprint(store(), "acme.r_ledger"))
                    .isEqualTo(ConnectorTestAccess.fingerprint(src.admin(), "public.ledger"));
            assertThat(TestDatabases.single(store(), "SELECT n FROM acme.r_counter WHERE id = 1"))
                    .isEqualTo(String.valueOf(committed.get()));

            JsonNode status = call(portB, "GET", null);
            assertThat(status.get("body").get("status").asText()).isEqualTo("streaming");
            String slot = status.get("body").get("slot").asText();
            assertThat(call(portB, "DELETE", null).get("http_status").asInt()).isEqualTo(204);
            assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", slot))
                    .isEqualTo("0");
            assertThat(Files.readString(log)).doesNotContain(StreamSource.PASSWORD);
        } finally {
            writing.set(false);
            instanceA.destroyForcibly();
            if (instanceB != null) {
                instanceB.close();
            }
        }
    }

    /** The fingerprint ConnectorTest uses, for a test that is not one. */
    static final class ConnectorTestAccess extends ConnectorTest {
        static List<String> fingerprint(DataSource db, String table) {
            return ConnectorTest.fingerprint(db, table, "*", "id");
        }
    }
}
