package ai.originchain.ingest.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** The embedded target store's authentication: a SCRAM password kept in its data folder, loopback only. */
class PasswordProtectedServerTest {

    @TempDir
    Path work;

    private static Connection connect(int port, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aNewStoreRefusesConnectionsWithoutItsPasswordAndKeepsItAcrossRestarts() throws Exception {
        Path dataDir = work.resolve("target-store");
        String password;
        try (PasswordProtectedServer store = PasswordProtectedServer.start(dataDir, 0)) {
            password = store.password();
            int port = store.server().getPort();
            Path file = dataDir.resolve(PasswordProtectedServer.PASSWORD_FILE);
            assertThat(Files.readString(file).strip()).isEqualTo(password);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

            assertThatThrownBy(() -> connect(port, null).close()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password");
            assertThatThrownBy(() -> connect(port, "wrong").close()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
            try (Connection ok = connect(port, password)) {
                assertThat(single(ok, "SHOW listen_addresses")).isEqualTo("localhost");
                assertThat(single(ok, "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'postgres'"))
                        .isEqualTo("t");
                try (Statement st = ok.createStatement()) {
                    st.execute("CREATE TABLE kept (id int)");
                    st.execute("INSERT INTO kept VALUES (1)");
                }
            }
        }
        assertThat(work).isDirectoryNotContaining("glob:**.pw");

        try (PasswordProtectedServer again = PasswordProtectedServer.start(dataDir, 0)) {
            assertThat(again.password()).isEqualTo(password);
            try (Connection ok = connect(again.server().getPort(), password)) {
                assertThat(single(ok, "SELECT count(*) FROM kept")).isEqualTo("1");
            }
            assertThatThrownBy(() -> connect(again.server().getPort(), null).close()).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void aDataFolderFromBeforePasswordsIsMigratedOnStart() throws Exception {
        Path dataDir = work.resolve("old-store");
        // As the service made it before: initdb's trust authentication and no password file.
        try (EmbeddedPostgres old = EmbeddedPostgresServers.start(dataDir, false, 0, null);
             Connection trusted = connect(old.getPort(), null); Statement st = trusted.createStatement()) {
            st.execute("CREATE TABLE kept (id int)");
            st.execute("INSERT INTO kept VALUES (7)");
        }
        assertThat(dataDir.resolve(PasswordProtectedServer.PASSWORD_FILE)).doesNotExist();

        try (PasswordProtectedServer store = PasswordProtectedServer.start(dataDir, 0)) {
            int port = store.server().getPort();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    dataDir.resolve(PasswordProtectedServer.PASSWORD_FILE)))).isEqualTo("rw-------");
            assertThatThrownBy(() -> connect(port, null).close()).isInstanceOf(SQLException.class);
            try (Connection ok = connect(port, store.password())) {
                assertThat(single(ok, "SELECT id FROM kept")).isEqualTo("7");
            }
        }
    }
}
