package ai.originchain.ingest.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;

import javax.sql.DataSource;

import ai.originchain.ingest.embedded.Certificates;
import ai.originchain.ingest.embedded.PasswordAuthentication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A TLS-only PostgreSQL 17 source at {@code wal_level = logical}, started once per test JVM and
 * restartable on its port and data: role {@code streamer} (LOGIN REPLICATION, owns its tables, may
 * create publications) and role {@code plainreader} (LOGIN only), both over TLS with a password.
 */
public final class StreamSource {

    public static final String DB = "shop";
    public static final String USER = "streamer";
    public static final String PLAIN_USER = "plainreader";
    /** Distinctive, so a leak anywhere in logs, responses or the metadata tables is found by a substring search. */
    public static final String PASSWORD = "pw-Stream-Canary-91b7e3";

    private static StreamSource instance;

    private final Path data;
    private final Path tls;
    private final Map<String, String> settings;
    private int port;
    private EmbeddedPostgres server;

    private StreamSource(Map<String, String> settings) throws IOException, SQLException {
        this.settings = settings;
        Path work = Files.createTempDirectory("originchain-stream-src");
        data = work.resolve("data");
        tls = work.resolve("tls");
        Certificates.newAuthority("Stream source CA").writeServerFiles(tls, "localhost");
        // Never "clean": zonky deletes a clean server's data when it stops, and restart() must keep it.
        server = start(false, 0);
        port = server.getPort();
        TestDatabases.execute(server.getPostgresDatabase(),
                "CREATE DATABASE " + DB,
                "CREATE ROLE " + USER + " LOGIN REPLICATION PASSWORD '" + PASSWORD + "'",
                "CREATE ROLE " + PLAIN_USER + " LOGIN PASSWORD '" + PASSWORD + "'",
                "GRANT CREATE ON DATABASE " + DB + " TO " + USER);
        TestDatabases.execute(admin(), "GRANT CREATE ON SCHEMA public TO " + USER,
                "ALTER DEFAULT PRIVILEGES FOR ROLE " + USER + " IN SCHEMA public GRANT SELECT ON TABLES TO " + PLAIN_USER);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException ignored) {
                // The JVM is going away.
            }
        }));
    }

    private EmbeddedPostgres start(boolean clean, int port) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(clean)
                .setPGStartupWait(java.time.Duration.ofSeconds(60))
                .setServerConfig("listen_addresses", "localhost")
                .setServerConfig("max_connections", "60")
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", tls.resolve("server.crt").toAbsolutePath().toString())
                .setServerConfig("ssl_key_file", tls.resolve("server.key").toAbsolutePath().toString())
                .setLocaleConfig("locale", "C.UTF-8")
                .setDataDirectoryCustomizer(new PasswordAuthentication(true));
        settings.forEach(builder::setServerConfig);
        if (port > 0) {
            builder.setPort(port);
        }
        return builder.start();
    }

    public static synchronized StreamSource get() {
        if (instance == null) {
            try {
                instance = new StreamSource(Map.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    /** A source of its own, with more server settings (e.g. {@code max_slot_wal_keep_size}), for a test that bends it. */
    public static StreamSource dedicated(Map<String, String> settings) {
        try {
            return new StreamSource(settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server and starts it again on the same port and data, as an operator's restart would. */
    public synchronized void restart() throws IOException {
        TestDatabases.execute(server.getPostgresDatabase(), "CHECKPOINT");
        System.out.println("source before restart, pg_stat_replication: " + TestDatabases.query(server.getPostgresDatabase(),
                "SELECT application_name, state, sent_lsn::text, write_lsn::text, flush_lsn::text FROM pg_stat_replication"));
        // A fast shutdown (SIGINT to the postmaster; pg_ctl refuses to run as root), waited for longer than
        // zonky's 5 s. In fast mode a walsender waits until its client confirmed everything sent, so a
        // stream that lags delays it; a server still up after 30 s is stopped immediately (SIGQUIT).
        long postmaster = postmasterPid();
        signal("INT", postmaster);
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> !Files.exists(data.resolve("postmaster.pid")));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            System.out.println("source did not stop in 30 s in fast mode; stopping it immediately");
            signal("QUIT", postmaster);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> !Files.exists(data.resolve("postmaster.pid")));
        }
        // Releases zonky's lock on the data folder (the server is down already; clean is off, so nothing is deleted).
        server.close();
        server = start(false, port);
    }

    private long postmasterPid() throws IOException {
        return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
    }

    private static void signal(String signal, long pid) throws IOException {
        try {
            new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The source database as its superuser. */
    public DataSource admin() {
        return server.getDatabase("postgres", DB);
    }

    /** The source database as {@code streamer}, for creating tables it owns. */
    public DataSource asStreamer() {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setServerNames(new String[] {"localhost"});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(DB);
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        ds.setSslMode("require");
        ds.setSslfactory("org.postgresql.ssl.NonValidatingFactory");
        return ds;
    }

    public Map<String, Object> sourceBlock(String user) {
        return Map.of("host", "localhost", "port", port, "database", DB, "user", user, "password", PASSWORD,
                "sslmode", "require");
    }
}
