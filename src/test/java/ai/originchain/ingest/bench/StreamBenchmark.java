package ai.originchain.ingest.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.IngestApplication;
import ai.originchain.ingest.embedded.Certificates;
import ai.originchain.ingest.embedded.PasswordAuthentication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Change streams against PostgreSQL's own logical replication, side by side on the same two
 * embedded PostgreSQL 17 servers (source TLS, wal_level=logical): a steady load of N source
 * transactions a second for S seconds, each inserting one row and updating another, then one
 * transaction inserting 100k rows. Lag = source commit (client side) until the row is visible at
 * the target, polled every 5 ms. Run with bench/stream.sh; not a test.
 */
public final class StreamBenchmark {

    private static final String PASSWORD = "bench-stream-pw-7d1e";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path work = Files.createTempDirectory("stream-bench");
        Path tls = work.resolve("tls");
        Certificates.newAuthority("bench CA").writeServerFiles(tls, "localhost");
        EmbeddedPostgres source = EmbeddedPostgres.builder().setDataDirectory(work.resolve("src")).setCleanDataDirectory(false)
                .setServerConfig("wal_level", "logical").setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_replication_slots", "10").setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", tls.resolve("server.crt").toString())
                .setServerConfig("ssl_key_file", tls.resolve("server.key").toString())
                .setDataDirectoryCustomizer(new PasswordAuthentication(true)).start();
        EmbeddedPostgres target = EmbeddedPostgres.builder().setDataDirectory(work.resolve("tgt")).setCleanDataDirectory(false)
                .setServerConfig("max_logical_replication_workers", "4").start();
        try {
            exec(source.getPostgresDatabase().getConnection(), "CREATE ROLE bench LOGIN REPLICATION SUPERUSER PASSWORD '" + PASSWORD + "'");
            for (String t : List.of("native_t", "svc_t")) {
                exec(source.getPostgresDatabase().getConnection(),
                        "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v bigint, note text)",
                        "INSERT INTO " + t + " SELECT g, 0, 'seed' FROM generate_series(1, 1000) g");
            }
            // Native: publication -> subscription into public.native_t of the target.
            exec(source.getPostgresDatabase().getConnection(), "CREATE PUBLICATION native_pub FOR TABLE native_t");
            exec(target.getPostgresDatabase().getConnection(), "CREATE TABLE native_t (id bigint PRIMARY KEY, v bigint, note text)");
            try (Connection c = target.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE SUBSCRIPTION native_sub CONNECTION 'host=localhost port=" + source.getPort()
                        + " dbname=postgres user=bench password=" + PASSWORD + " sslmode=require' PUBLICATION native_pub");
            }
            // The service, in this JVM, streaming public.svc_t into bench.svc_t.
            int port = 18000 + (int) (ProcessHandle.current().pid() % 1000);
            String token = "bench-token";
            ConfigurableApplicationContext service = new SpringApplicationBuilder(IngestApplication.class).run(
                    "--server.port=" + port, "--spring.datasource.url=" + target.getJdbcUrl("postgres", "postgres"),
                    "--spring.datasource.username=postgres", "--spring.datasource.password=",
                    "--originchain.tenants.bench.token-sha256=" + sha256(token),
                    "--originchain.secrets.stream-key=c3RyZWFtLWtleS1mb3ItdGVzdHMtb25seS0zMmJ5dGU=",
                    "--originchain.source.denied-networks=" + ai.originchain.ingest.support.TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK,
                    "--logging.level.root=WARN");
            try {
                Map<String, Object> manifest = Map.of("source", Map.of("host", "localhost", "port", source.getPort(),
                        "database", "postgres", "user", "bench", "password", PASSWORD, "sslmode", "require"),
                        "mappings", List.of(Map.of("source_table", "public.svc_t", "target_schema", "svc_t", "primary_key", List.of("id"))));
                HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                                + "/v1/tenants/bench/ingest/postgres/streams/bench")).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(manifest)))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (put.statusCode() != 201) {
                    throw new IllegalStateException("PUT: " + put.statusCode() + " " + put.body());
                }
                awaitCount(target, "bench.svc_t", 1000);
                awaitCount(target, "public.native_t", 1000);

                List<String> lines = new ArrayList<>();
                lines.add("| method | lag p50 | lag p99 | lag max | 100k-row transaction applied |");
                lines.add("|---|---:|---:|---:|---:|");
                for (String[] side : new String[][] {{"native logical replication", "native_t", "public.native_t"},
                        {"the service's stream", "svc_t", "bench.svc_t"}}) {
                    double[] lag = steadyLoad(source, target, side[1], side[2], rate, seconds);
                    double bulk = bulk(source, target, side[1], side[2]);
                    lines.add(String.format("| %s | %.1f ms | %.1f ms | %.1f ms | %.0f rows/s |", side[0], lag[0], lag[1], lag[2], bulk));
                }
                String result = "Streams, " + Runtime.getRuntime().availableProcessors() + " cores, PostgreSQL 17 embedded, TLS source; "
                        + rate + " tx/s for " + seconds + " s (each: insert one row, update another), then one 100k-row insert\n\n"
                        + String.join("\n", lines) + "\n";
                System.out.println(result);
                Path out = Path.of("bench/results/" + java.time.LocalDate.now() + "-streams.md");
                Files.createDirectories(out.getParent());
                Files.writeString(out, result);
            } finally {
                service.close();
            }
        } finally {
            try (Connection c = target.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("ALTER SUBSCRIPTION native_sub DISABLE");
                st.execute("ALTER SUBSCRIPTION native_sub SET (slot_name = NONE)");
                st.execute("DROP SUBSCRIPTION native_sub");
            } catch (SQLException ignored) {
                // Best effort before the servers stop.
            }
            target.close();
            source.close();
        }
    }

    /** p50, p99 and max lag in ms of the rows a steady load inserts. */
    private static double[] steadyLoad(EmbeddedPostgres source, EmbeddedPostgres target, String sourceTable, String targetTable,
                                       int rate, int seconds) throws Exception {
        Map<Long, Long> committedAt = new ConcurrentHashMap<>();
        List<Double> lags = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        long firstId = 10_000_000L + (sourceTable.hashCode() & 0xffff) * 100_000L;
        Thread poller = new Thread(() -> {
            long seen = firstId - 1;
            try (Connection c = target.getPostgresDatabase().getConnection();
                 PreparedStatement st = c.prepareStatement("SELECT id FROM " + targetTable + " WHERE id > ? AND id < ? ORDER BY id")) {
                while (!done.get() || seen < firstId + (long) rate * seconds - 1) {
                    st.setLong(1, seen);
                    st.setLong(2, firstId + 1_000_000L);
                    try (ResultSet rs = st.executeQuery()) {
                        long now = System.nanoTime();
                        while (rs.next()) {
                            long id = rs.getLong(1);
                            Long at = committedAt.get(id);
                            if (at != null) {
                                lags.add((now - at) / 1e6);
                            }
                            seen = Math.max(seen, id);
                        }
                    }
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        poller.start();
        try (Connection c = source.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            for (int i = 0; i < rate * seconds; i++) {
                long due = start + (long) (i * 1e9 / rate);
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                long id = firstId + i;
                st.execute("INSERT INTO " + sourceTable + " VALUES (" + id + ", " + i + ", 'steady')");
                st.execute("UPDATE " + sourceTable + " SET v = v + 1 WHERE id = " + (1 + i % 1000));
                c.commit();
                committedAt.put(id, System.nanoTime());
            }
        }
        done.set(true);
        poller.join(120_000);
        List<Double> sorted = new ArrayList<>(lags);
        Collections.sort(sorted);
        return new double[] {sorted.get(sorted.size() / 2), sorted.get((int) (sorted.size() * 0.99)), sorted.get(sorted.size() - 1)};
    }

    /** Rows per second from the commit of one 100k-row insert until the target has them all. */
    private static double bulk(EmbeddedPostgres source, EmbeddedPostgres target, String sourceTable, String targetTable) throws Exception {
        long before = count(target, targetTable);
        long start;
        try (Connection c = source.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + sourceTable + " SELECT g, g, 'bulk' FROM generate_series(50000001, 50100000) g");
            start = System.nanoTime();
        }
        awaitCount(target, targetTable, before + 100_000);
        return 100_000 / ((System.nanoTime() - start) / 1e9);
    }

    private static void awaitCount(EmbeddedPostgres target, String table, long n) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (count(target, table) < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(table + " did not reach " + n + " rows");
            }
            Thread.sleep(5);
        }
    }

    private static long count(EmbeddedPostgres target, String table) throws SQLException {
        try (Connection c = target.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                return rs.getLong(1);
            } catch (SQLException e) {
                return -1;
            }
        }
    }

    private static void exec(Connection c, String... sql) throws SQLException {
        try (c; Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private StreamBenchmark() {
    }
}
