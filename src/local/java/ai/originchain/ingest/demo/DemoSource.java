package ai.originchain.ingest.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.api.TenantAuthenticator;
import ai.originchain.ingest.egress.EgressPolicy;
import ai.originchain.ingest.embedded.Certificates;
import ai.originchain.ingest.embedded.EmbeddedPostgresServers;
import ai.originchain.ingest.embedded.PasswordAuthentication;
import ai.originchain.ingest.store.NoTargetUrlConfigured;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The out-of-the-box demo, present only when the operator configured no target store: a throwaway
 * TLS-only source PostgreSQL with the product page's {@code production.public.orders}, a tenant
 * {@code demo} with a fresh token, and a ready-to-paste curl in the log. The demo's password and
 * token are generated per start and guard nothing but this throwaway server on loopback.
 */
@Component
@Conditional(NoTargetUrlConfigured.class)
// After the target store: a second instance on the same data folder fails there, before it could
// remove the first one's demo folder; and the demo stops first.
@org.springframework.context.annotation.DependsOn("embeddedTargetServer")
@ConditionalOnProperty(name = "originchain.demo.enabled", havingValue = "true", matchIfMissing = true)
public class DemoSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoSource.class);
    static final String TENANT = "demo";

    private final EmbeddedPostgres server;
    private final Path workDir;
    private final Path caFile;
    private final String caPem;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final String password;
    private final String token;
    private final Environment environment;

    public DemoSource(IngestProperties properties, TenantAuthenticator authenticator, EgressPolicy egress,
                      Environment environment)
            throws IOException, SQLException {
        this.environment = environment;
        SecureRandom random = new SecureRandom();
        this.password = randomText(random, 18);
        this.token = randomText(random, 24);
        // Next to the target store's data rather than in /tmp: removed on shutdown, and a folder left
        // by a killed process (its TLS key included) is removed at the next start.
        Path dataFolder = Path.of(properties.getTarget().getEmbeddedDataDir()).toAbsolutePath().getParent();
        this.workDir = dataFolder.resolve("demo-source");
        org.springframework.util.FileSystemUtils.deleteRecursively(workDir);
        Certificates ca = Certificates.newAuthority("OriginChain demo CA");
        ca.writeServerFiles(workDir.resolve("tls"), "localhost", "127.0.0.1");
        this.caPem = ca.caPem();
        // The CA certificate only (its key never leaves memory): what a verify-full client trusts.
        this.caFile = dataFolder.resolve("demo-source-ca.pem");
        Files.writeString(caFile, caPem);
        this.server = EmbeddedPostgresServers.start(workDir.resolve("data"), true, 0, workDir.resolve("tls"),
                new PasswordAuthentication(true), false);
        seed(properties.getDemo().getRows());
        // Loopback stays denied to tenants; only this throwaway source's exact endpoint is let through.
        egress.allowEndpoint("localhost", server.getPort());
        authenticator.accept(TENANT, HexFormat.of().formatHex(sha256(token)));
    }

    private void seed(int rows) throws SQLException {
        try (Connection admin = server.getPostgresDatabase().getConnection(); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE production");
            try (PreparedStatement role = admin.prepareStatement("SELECT format('CREATE ROLE readonly LOGIN PASSWORD %L', ?)")) {
                role.setString(1, password);
                try (var rs = role.executeQuery()) {
                    rs.next();
                    st.execute(rs.getString(1));
                }
            }
        }
        try (Connection db = server.getDatabase("postgres", "production").getConnection();
             Statement st = db.createStatement()) {
            st.execute("""
                    CREATE TABLE public.orders (
                        id bigint PRIMARY KEY,
                        customer_id bigint NOT NULL,
                        amount numeric(12,2) NOT NULL,
                        status text NOT NULL,
                        created_at timestamptz NOT NULL
                    )""");
            try (PreparedStatement insert = db.prepareStatement("""
                    INSERT INTO public.orders
                    SELECT g, 1 + g % 997, round((g * 7.31)::numeric % 5000, 2),
                           (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4],
                           timestamptz '2026-01-01 00:00:00+00' + g * interval '37 seconds'
                      FROM generate_series(1, ?) g""")) {
                insert.setInt(1, rows);
                insert.executeUpdate();
            }
            st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO readonly");
            st.execute("ANALYZE public.orders");
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    public void printQuickstart() {
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        String verifyFull;
        try {
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("host", "localhost");
            source.put("port", server.getPort());
            source.put("database", "production");
            source.put("user", "readonly");
            source.put("password", password);
            source.put("sslmode", "verify-full");
            source.put("sslrootcert", caPem);
            Map<String, Object> mapping = new LinkedHashMap<>();
            mapping.put("source_table", "public.orders");
            mapping.put("target_schema", "orders");
            mapping.put("primary_key", List.of("id"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("source", source);
            body.put("mappings", List.of(mapping));
            verifyFull = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        log.info("""

                Demo ready: a TLS-only source PostgreSQL on localhost:{} holds production.public.orders.
                The demo password and token below are generated at each start for this throwaway server only.
                Sync it into tenant '{}' with:

                curl -X POST "http://localhost:{}/v1/tenants/{}/ingest/postgres/sync" \\
                  -H "Authorization: Bearer {}" \\
                  -H "Content-Type: application/json" \\
                  -d '{"source": {"host": "localhost", "port": {}, "database": "production", "user": "readonly", "password": "{}", "sslmode": "require"}, "mappings": [{"source_table": "public.orders", "target_schema": "orders", "primary_key": ["id"], "columns": ["id", "customer_id", "amount", "status", "created_at"]}]}'

                sslmode=require encrypts without checking who answers. With verify-full the server's certificate is
                checked against the demo's CA (written to {}; sslrootcert carries it as PEM text):

                curl -X POST "http://localhost:{}/v1/tenants/{}/ingest/postgres/sync" \\
                  -H "Authorization: Bearer {}" \\
                  -H "Content-Type: application/json" \\
                  -d '{}'
                """, server.getPort(), TENANT, port, TENANT, token, server.getPort(), password, caFile, port, TENANT, token,
                verifyFull);
    }

    /** The demo's CA certificate (PEM), as {@code sslrootcert} takes it. */
    public String caPem() {
        return caPem;
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } finally {
            org.springframework.util.FileSystemUtils.deleteRecursively(workDir);
        }
    }

    private static String randomText(SecureRandom random, int bytes) {
        byte[] raw = new byte[bytes];
        random.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
