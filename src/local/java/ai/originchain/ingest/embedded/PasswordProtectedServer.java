package ai.originchain.ingest.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.EnumSet;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A persistent embedded PostgreSQL whose superuser {@code postgres} logs in with a SCRAM password,
 * on loopback only. The password is generated once and kept in the data folder, in
 * {@value #PASSWORD_FILE}, readable by its owner only. A data folder made before passwords (trust
 * authentication, no password file) gets a password on its first start here.
 */
public final class PasswordProtectedServer implements java.io.Closeable {

    public static final String PASSWORD_FILE = "originchain.password";
    public static final String USER = "postgres";
    /** {@code max_connections} unless the caller asks for more. */
    public static final int DEFAULT_MAX_CONNECTIONS = 100;

    private static final String SCRAM_HBA = """
            local all all scram-sha-256
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256
            """;
    /** Only while an old data folder gets its password: the superuser, on loopback, as it had before. */
    private static final String MIGRATION_HBA = """
            host all postgres 127.0.0.1/32 trust
            host all postgres ::1/128 trust
            """;

    private final EmbeddedPostgres server;
    private final String password;

    private PasswordProtectedServer(EmbeddedPostgres server, String password) {
        this.server = server;
        this.password = password;
    }

    public EmbeddedPostgres server() { return server; }

    @Override
    public void close() throws IOException {
        server.close();
    }
    public String password() { return password; }

    public static PasswordProtectedServer start(Path dataDir, int port) throws IOException {
        return start(dataDir, port, DEFAULT_MAX_CONNECTIONS);
    }

    /** As above, accepting {@code maxConnections} clients at once. */
    public static PasswordProtectedServer start(Path dataDir, int port, int maxConnections) throws IOException {
        boolean initialized = Files.exists(dataDir.resolve("postgresql.conf"));
        Path passwordFile = dataDir.resolve(PASSWORD_FILE);
        boolean migrate = initialized && !Files.exists(passwordFile);
        String password = initialized && !migrate ? Files.readString(passwordFile).strip() : generate();
        Path initdbPasswordFile = null;
        if (!initialized) {
            Files.createDirectories(dataDir.getParent());
            initdbPasswordFile = Files.createTempFile(dataDir.getParent(), ".initdb-", ".pw",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(initdbPasswordFile, password);
        }
        Path initdbPassword = initdbPasswordFile;
        EmbeddedPostgres server;
        try {
            server = EmbeddedPostgresServers.start(dataDir, false, port, null, folder -> {
                writeHba(folder, migrate ? MIGRATION_HBA : SCRAM_HBA);
                if (initdbPassword != null) {
                    writeOwnerOnly(folder.toPath().resolve(PASSWORD_FILE), password);
                }
            }, false, builder -> {
                builder.setServerConfig("max_connections", String.valueOf(maxConnections));
                builder.setConnectConfig("password", password);
                if (initdbPassword != null) {
                    builder.setLocaleConfig("pwfile", initdbPassword.toString());
                }
            });
        } finally {
            if (initdbPasswordFile != null) {
                Files.deleteIfExists(initdbPasswordFile);
            }
        }
        if (migrate) {
            try {
                setPassword(server, password);
                writeOwnerOnly(passwordFile, password);
                writeHba(dataDir.toFile(), SCRAM_HBA);
                reload(server);
            } catch (SQLException | RuntimeException e) {
                server.close();
                throw new IOException("could not set a password on the embedded target store in " + dataDir, e);
            }
        }
        return new PasswordProtectedServer(server, password);
    }

    private static void setPassword(EmbeddedPostgres server, String password) throws SQLException {
        try (Connection admin = server.getPostgresDatabase().getConnection();
             PreparedStatement format = admin.prepareStatement("SELECT format('ALTER ROLE postgres PASSWORD %L', ?)")) {
            format.setString(1, password);
            try (ResultSet rs = format.executeQuery(); Statement st = admin.createStatement()) {
                rs.next();
                st.execute("SET password_encryption = 'scram-sha-256'");
                st.execute(rs.getString(1));
            }
        }
    }

    private static void reload(EmbeddedPostgres server) throws SQLException {
        try (Connection admin = server.getPostgresDatabase().getConnection(); Statement st = admin.createStatement()) {
            st.execute("SELECT pg_catalog.pg_reload_conf()");
        }
    }

    private static void writeHba(File dataDir, String hba) {
        try {
            Files.writeString(dataDir.toPath().resolve("pg_hba.conf"), hba);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeOwnerOnly(Path file, String text) {
        try {
            Files.deleteIfExists(file);
            try (SeekableByteChannel out = Files.newByteChannel(file,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                out.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String generate() {
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }
}
