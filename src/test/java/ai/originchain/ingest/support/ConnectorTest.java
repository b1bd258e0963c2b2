package ai.originchain.ingest.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Base of the tests that run the whole service: the Spring Boot app on a random port, its routes
 * loaded from ./routes, a real target store and real TLS sources. One context serves all of them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// The Prometheus registry as in production (Spring Boot's tests otherwise swap it for none).
@AutoConfigureObservability(tracing = false)
@ExtendWith(OutputCaptureExtension.class)
public abstract class ConnectorTest {

    public static final String ACME_TOKEN = "acme-token-1b2c3d";
    public static final String ACME_ROTATED_TOKEN = "acme-token-rotated-9z";
    public static final String GLOBEX_TOKEN = "globex-token-4e5f6a";
    public static final String INITECH_TOKEN = "initech-token-7g8h9i";
    public static final String UMBRELLA_TOKEN = "umbrella-token-0j1k2l";
    /** The tests' SQLite upload limit, small enough to send a body over it. */
    public static final long MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
    /** The key stream credentials are encrypted with (base64 of 32 bytes; tests only). */
    public static final String STREAM_KEY = "c3RyZWFtLWtleS1mb3ItdGVzdHMtb25seS0zMmJ5dGU=";

    protected static final TestDatabases dbs = TestDatabases.get();
    protected static final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    protected ObjectMapper json;

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void connectorProperties(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", dbs::targetUrl);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
        registry.add("originchain.tenants.acme.token-sha256", () -> sha256(ACME_TOKEN) + "," + sha256(ACME_ROTATED_TOKEN));
        registry.add("originchain.tenants.globex.token-sha256", () -> sha256(GLOBEX_TOKEN));
        registry.add("originchain.tenants.initech.token-sha256", () -> sha256(INITECH_TOKEN));
        registry.add("originchain.tenants.umbrella.token-sha256", () -> sha256(UMBRELLA_TOKEN));
        registry.add("originchain.sync.batch-rows", () -> "1000");
        registry.add("originchain.source.denied-networks", () -> TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK);
        // The runs tests: abandoned runs swept within a second, progress written often, a small background pool.
        registry.add("originchain.history.sweep-interval", () -> "1s");
        registry.add("originchain.history.progress-interval", () -> "1s");
        registry.add("originchain.api.async-pool-size", () -> "2");
        registry.add("originchain.api.max-upload-bytes", () -> String.valueOf(MAX_UPLOAD_BYTES));
        registry.add("originchain.secrets.stream-key", () -> STREAM_KEY);
        registry.add("originchain.streams.poll-interval", () -> "1s");
        registry.add("originchain.streams.status-interval", () -> "1s");
        // Completion webhooks: acme's signing secret, the test receiver's CA, quick retries.
        registry.add("originchain.tenants.acme.webhook-secret", () -> WebhookReceiver.ACME_SECRET);
        registry.add("originchain.webhooks.trust-pem", () -> WebhookReceiver.ca().caPem());
        registry.add("originchain.webhooks.retry-delay-ms", () -> "100");
    }

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected DataSource source() {
        return dbs.source();
    }

    protected DataSource target() {
        return dbs.targetStore();
    }

    /** The source block of a request for the TLS test source. */
    protected Map<String, Object> tlsSource(String sslmode) {
        return Map.of("host", "localhost", "port", dbs.tlsSource.getPort(), "database", TestDatabases.SOURCE_DB,
                "user", TestDatabases.SOURCE_USER, "password", TestDatabases.SOURCE_PASSWORD, "sslmode", sslmode);
    }

    protected static Map<String, Object> mapping(String sourceTable, String targetSchema, List<String> key, List<String> columns) {
        return columns == null
                ? Map.of("source_table", sourceTable, "target_schema", targetSchema, "primary_key", key)
                : Map.of("source_table", sourceTable, "target_schema", targetSchema, "primary_key", key, "columns", columns);
    }

    protected Response post(String tenant, String token, Object body) {
        try {
            return post(tenant, token, "application/json", json.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    protected Response post(String tenant, String token, String contentType, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/" + tenant + "/ingest/postgres/sync"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.headers().firstValue("WWW-Authenticate").orElse(null), response.body(),
                    readJson(response.body()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode readJson(String body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    public record Response(int status, String contentType, String wwwAuthenticate, String body, JsonNode json) {
        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** Row count and a digest of every value's text form, in key order: equal on both sides means equal tables. */
    protected static List<String> fingerprint(DataSource db, String table, String columns, String orderBy) {
        return TestDatabases.query(db, "SELECT count(*)::text, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY " + orderBy
                + "), '')) FROM (SELECT " + columns + " FROM " + table + ") t").get(0);
    }

    /** {@code public.name} at the source, made anew with {@code columns} and the rows of {@code rows} (a query or VALUES), readable by the test role. */
    protected static void sourceTable(String name, String columns, String rows) {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public." + name,
                "CREATE TABLE public." + name + " (" + columns + ")",
                "INSERT INTO public." + name + " " + rows,
                "GRANT SELECT ON public." + name + " TO readonly");
    }

    protected static boolean tableExists(DataSource db, String qualified) {
        return "t".equals(TestDatabases.single(db, "SELECT to_regclass(?) IS NOT NULL", qualified));
    }
}
