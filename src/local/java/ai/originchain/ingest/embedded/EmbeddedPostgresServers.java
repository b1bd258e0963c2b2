package ai.originchain.ingest.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** Starts PostgreSQL 17 servers from the embedded binaries: no system PostgreSQL needed. */
public final class EmbeddedPostgresServers {

    private EmbeddedPostgresServers() {
    }

    /**
     * @param dataDir   where the cluster lives; kept across restarts unless {@code clean}
     * @param tlsDir    when not null, a folder holding {@code server.crt}/{@code server.key}: TLS is switched on
     */
    public static EmbeddedPostgres start(Path dataDir, boolean clean, int port, Path tlsDir) throws IOException {
        return start(dataDir, clean, port, tlsDir, null);
    }

    /** As above; {@code hba}, when not null, rewrites pg_hba.conf after initdb (see {@link PasswordAuthentication}). */
    public static EmbeddedPostgres start(Path dataDir, boolean clean, int port, Path tlsDir,
                                         java.util.function.Consumer<java.io.File> hba) throws IOException {
        return start(dataDir, clean, port, tlsDir, hba, true);
    }

    /**
     * As above; {@code shutdownHook} false for a server its owner closes (a Spring bean): zonky's own
     * JVM shutdown hook would stop it while the application still shuts down and uses it.
     */
    public static EmbeddedPostgres start(Path dataDir, boolean clean, int port, Path tlsDir,
                                         java.util.function.Consumer<java.io.File> hba, boolean shutdownHook)
            throws IOException {
        return start(dataDir, clean, port, tlsDir, hba, shutdownHook, more -> { });
    }

    /** As above; {@code more} adds builder settings (initdb options, connection properties). */
    public static EmbeddedPostgres start(Path dataDir, boolean clean, int port, Path tlsDir,
                                         java.util.function.Consumer<java.io.File> hba, boolean shutdownHook,
                                         java.util.function.Consumer<EmbeddedPostgres.Builder> more)
            throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setRegisterShutdownHook(shutdownHook)
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(clean)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("listen_addresses", "localhost")
                .setServerConfig("max_connections", "100")
                .setServerConfig("fsync", "on")
                .setLocaleConfig("locale", "C.UTF-8");
        if (port > 0) {
            builder.setPort(port);
        }
        if (tlsDir != null) {
            builder.setServerConfig("ssl", "on")
                    .setServerConfig("ssl_cert_file", tlsDir.resolve("server.crt").toAbsolutePath().toString())
                    .setServerConfig("ssl_key_file", tlsDir.resolve("server.key").toAbsolutePath().toString());
        }
        if (hba != null) {
            builder.setDataDirectoryCustomizer(hba);
        }
        more.accept(builder);
        return builder.start();
    }
}
