package ai.originchain.ingest.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import ai.originchain.ingest.embedded.Certificates;
import ai.originchain.ingest.embedded.EmbeddedPostgresServers;
import ai.originchain.ingest.embedded.PasswordAuthentication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The two servers of a run. Either two embedded PostgreSQL 17 servers started here (the source with
 * TLS on and a password role, as a real source; the target plain), or the servers the URLs name.
 *
 * @param sourceAdmin  creates and changes the source tables
 * @param sourceReader what both the baseline and the service read with: TLS required, password login
 * @param target       the target store, for the baseline, the service and the checks
 */
record BenchServers(PgEndpoint sourceAdmin, PgEndpoint sourceReader, PgEndpoint target, List<EmbeddedPostgres> started)
        implements AutoCloseable {

    static final String SOURCE_DB = "bench_source";
    static final String READER = "bench_reader";

    static BenchServers embedded(Path workDir) throws IOException, SQLException {
        List<EmbeddedPostgres> started = new ArrayList<>();
        try {
            Path tls = workDir.resolve("tls");
            Certificates.newAuthority("ingest-bench CA").writeServerFiles(tls, "localhost");
            EmbeddedPostgres source = EmbeddedPostgresServers.start(workDir.resolve("source"), true, 0, tls,
                    new PasswordAuthentication(true));
            started.add(source);
            EmbeddedPostgres target = EmbeddedPostgresServers.start(workDir.resolve("target"), true, 0, null);
            started.add(target);

            String password = "bench-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
            PgEndpoint superuser = new PgEndpoint("localhost", source.getPort(), "postgres", "postgres", "", "disable");
            try (Connection c = superuser.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + SOURCE_DB);
                st.execute("CREATE ROLE " + READER + " LOGIN PASSWORD '" + password + "'");
            }
            PgEndpoint admin = superuser.database(SOURCE_DB);
            PgEndpoint reader = admin.as(READER, password).withSslmode("require");
            PgEndpoint targetStore = new PgEndpoint("localhost", target.getPort(), "postgres", "postgres", "", "disable");
            return new BenchServers(admin, reader, targetStore, started);
        } catch (IOException | SQLException | RuntimeException e) {
            for (EmbeddedPostgres pg : started) {
                pg.close();
            }
            throw e;
        }
    }

    /** Servers named by URL: the source user both creates the tables and reads them, over TLS. */
    static BenchServers given(PgEndpoint source, PgEndpoint target) {
        return new BenchServers(source.withSslmode("require"), source.withSslmode("require"), target, List.of());
    }

    void grantRead(Connection admin, String table) throws SQLException {
        if (!sourceReader.user().equals(sourceAdmin.user())) {
            try (Statement st = admin.createStatement()) {
                st.execute("GRANT SELECT ON " + table + " TO " + sourceReader.user());
            }
        }
    }

    @Override
    public void close() {
        for (EmbeddedPostgres pg : started) {
            try {
                pg.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("could not stop an embedded server: " + e);
            }
        }
    }
}
