package ai.originchain.ingest.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import ai.originchain.ingest.embedded.Certificates;
import ai.originchain.ingest.embedded.EmbeddedPostgresServers;
import ai.originchain.ingest.embedded.PasswordAuthentication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Real PostgreSQL 17 servers for the tests, started once per test JVM: a TLS-only source whose
 * certificate names {@code localhost} only, a source without TLS, and the target store.
 */
public final class TestDatabases {

    /** Distinctive, so a leak anywhere in logs or responses is found by a plain substring search. */
    public static final String SOURCE_PASSWORD = "pw-Canary-7f3a9c2e-d41d";
    public static final String SOURCE_USER = "readonly";
    public static final String SOURCE_DB = "production";

    private static TestDatabases instance;
    /** The test target's {@code max_connections}. */
    public static final int TARGET_MAX_CONNECTIONS = 300;

    public final Certificates sourceCa = Certificates.newAuthority("Test source CA");
    public final Certificates otherCa = Certificates.newAuthority("Some other CA");
    public final EmbeddedPostgres tlsSource;
    public final EmbeddedPostgres plainSource;
    public final EmbeddedPostgres target;

    private TestDatabases() throws IOException, SQLException {
        Path work = Files.createTempDirectory("originchain-test-pg");
        sourceCa.writeServerFiles(work.resolve("tls"), "localhost");
        tlsSource = EmbeddedPostgresServers.start(work.resolve("source"), true, 0, work.resolve("tls"),
                new PasswordAuthentication(true));
        plainSource = EmbeddedPostgresServers.start(work.resolve("plain"), true, 0, null, new PasswordAuthentication(false));
        // The pools of the tests' service contexts (one computed from the default limits each, and the
        // contexts and service processes some tests start beside the shared one).
        target = EmbeddedPostgresServers.start(work.resolve("target"), true, 0, null, null, true,
                builder -> builder.setServerConfig("max_connections", String.valueOf(TARGET_MAX_CONNECTIONS)));
        for (EmbeddedPostgres source : List.of(tlsSource, plainSource)) {
            try (Connection c = source.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + SOURCE_DB);
                st.execute("CREATE ROLE " + SOURCE_USER + " LOGIN PASSWORD '" + SOURCE_PASSWORD + "'");
            }
            try (Connection c = source.getDatabase("postgres", SOURCE_DB).getConnection(); Statement st = c.createStatement()) {
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO " + SOURCE_USER);
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (EmbeddedPostgres pg : List.of(tlsSource, plainSource, target)) {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // The JVM is going away.
                }
            }
        }));
    }

    /**
     * The default {@code originchain.source.denied-networks} without loopback: the test sources run on
     * localhost. EgressPolicyTest proves the defaults.
     */
    public static final String DENIED_NETWORKS_BUT_LOOPBACK = "169.254.0.0/16,fe80::/10,224.0.0.0/4,ff00::/8";

    /** A source connector as the tests' service has it: loopback sources allowed. */
    public static ai.originchain.ingest.source.postgres.SourceConnector sourceConnector() {
        ai.originchain.ingest.IngestProperties properties = new ai.originchain.ingest.IngestProperties();
        properties.getSource().setDeniedNetworks(List.of(DENIED_NETWORKS_BUT_LOOPBACK.split(",")));
        return new ai.originchain.ingest.source.postgres.SourceConnector(properties, new ai.originchain.ingest.egress.EgressPolicy(properties));
    }

    /** The target store's connections as the service's beans take them, outside any sync's budget. */
    public static ai.originchain.ingest.store.TargetConnections targetConnections() {
        return new ai.originchain.ingest.store.TargetConnections(get().targetStore(), new ai.originchain.ingest.IngestProperties());
    }

    public static synchronized TestDatabases get() {
        if (instance == null) {
            try {
                instance = new TestDatabases();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    /** The source database as its superuser, for setting up tables. */
    public DataSource source() {
        return tlsSource.getDatabase("postgres", SOURCE_DB);
    }

    public DataSource targetStore() {
        return target.getPostgresDatabase();
    }

    public String targetUrl() {
        return "jdbc:postgresql://localhost:" + target.getPort() + "/postgres";
    }

    public static void execute(DataSource db, String... sql) {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<List<String>> query(DataSource db, String sql, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            try (Statement set = c.createStatement()) {
                set.execute("SET TimeZone = 'UTC'");
            }
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String single(DataSource db, String sql, Object... params) {
        List<List<String>> rows = query(db, sql, params);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }
}
