package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.embedded.Certificates;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.ServerTls;
import ai.originchain.ingest.support.StreamSource;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.support.TestMariaDb;

/**
 * {@code originchain.source.max-row-bytes} for every engine and for streams, at a limit small enough to
 * reach cheaply (64 KiB): a row over it is a 422 on its mapping, and the next sync succeeds. A hostile
 * peer announcing a 2 GiB CopyData gets the same answer at once, with nothing allocated for it. (The
 * real 300 MB row, against a heap smaller than it, is in {@link SmallHeapStreamingTest}.)
 */
@TestPropertySource(properties = {"originchain.source.max-row-bytes=65536", "originchain.source.socket-timeout=30s"})
class RowBoundsTest extends ConnectorTest {

    private static final int LIMIT = 65536;
    private static final TestMariaDb mysql = TestMariaDb.get();
    private static final StreamSource streams = StreamSource.get();
    private static CopyLengthLiar liar;

    @BeforeAll
    static void startLiar() throws Exception {
        liar = new CopyLengthLiar(dbs.plainSource.getPort());
    }

    @AfterAll
    static void stopLiar() throws IOException {
        liar.close();
    }

    @Test
    void aPeerAnnouncingATwoGigabyteCopyRowGets422OnTheMappingAndTheNextSyncSucceeds() {
        String create = "CREATE TABLE public.liar_rows (id int PRIMARY KEY, v text)";
        String insert = "INSERT INTO public.liar_rows SELECT g, 'row ' || g FROM generate_series(1, 3) g";
        TestDatabases.execute(dbs.plainSource.getDatabase("postgres", TestDatabases.SOURCE_DB),
                "DROP TABLE IF EXISTS public.liar_rows", create, insert);
        TestDatabases.execute(source(), "DROP TABLE IF EXISTS public.liar_rows", create, insert);
        Map<String, Object> viaLiar = new LinkedHashMap<>(tlsSource("require"));
        viaLiar.put("host", "127.0.0.1");
        viaLiar.put("port", liar.port());

        Response refused = post("acme", ACME_TOKEN, Map.of("source", viaLiar,
                "mappings", List.of(mapping("public.liar_rows", "liar", List.of("id"), null))));

        assertThat(liar.lies()).as("the peer announced the 2 GiB row").isPositive();
        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        JsonNode error = refused.json().get("errors").get(0);
        assertThat(error.get("field").asText()).isEqualTo("mappings[0]");
        assertThat(error.get("message").asText()).contains("public.liar_rows")
                .contains("originchain.source.max-row-bytes (" + LIMIT + " bytes)")
                .contains("announced " + (Integer.MAX_VALUE - 4L) + " bytes")
                .contains("its key could not be read");
        assertThat(rows("acme.liar")).isZero();

        Response next = post("globex", GLOBEX_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.liar_rows", "liar", List.of("id"), null))));
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(rows("globex.liar")).isEqualTo(3);
    }

    @Test
    void aMariaDbRowOverTheLimitIs422OnTheMapping() {
        mysql.execute("DROP TABLE IF EXISTS wide_rows",
                "CREATE TABLE wide_rows (id int PRIMARY KEY, body longtext)",
                "INSERT INTO wide_rows VALUES (1, 'small'), (2, REPEAT('x', " + 4 * LIMIT + "))");
        Map<String, Object> source = Map.of("host", "localhost", "port", mysql.tlsPort, "database", TestMariaDb.DATABASE,
                "user", TestMariaDb.USER, "password", TestMariaDb.PASSWORD, "sslmode", "require");

        Response refused = postJson("mysql", Map.of("source", source,
                "mappings", List.of(mapping("wide_rows", "my_wide", List.of("id"), null))));

        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        JsonNode error = refused.json().get("errors").get(0);
        assertThat(error.get("field").asText()).isEqualTo("mappings[0]");
        assertThat(error.get("message").asText()).contains("wide_rows").contains("originchain.source.max-row-bytes");
        assertThat(refused.body()).doesNotContain(TestMariaDb.PASSWORD);
        assertThat(rows("acme.my_wide")).isZero();

        mysql.execute("DELETE FROM wide_rows WHERE id = 2");
        Response next = postJson("mysql", Map.of("source", source,
                "mappings", List.of(mapping("wide_rows", "my_wide", List.of("id"), null))));
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(rows("acme.my_wide")).isEqualTo(1);
    }

    @Test
    void anSqliteRowOverTheLimitIs422NamingTheTableTheColumnAndTheKey() throws Exception {
        Path file = Files.createTempFile("row-bounds", ".db");
        Files.delete(file);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO docs VALUES (?, ?, ?)")) {
                insert.setInt(1, 1);
                insert.setString(2, "short");
                insert.setString(3, "fits");
                insert.executeUpdate();
                insert.setInt(1, 7);
                insert.setString(2, "long");
                insert.setString(3, "y".repeat(3 * LIMIT));
                insert.executeUpdate();
            }
        }
        byte[] database = Files.readAllBytes(file);
        Files.delete(file);

        Response refused = uploadSqlite(Map.of("mappings", List.of(mapping("docs", "lite_docs", List.of("id"), null))), database);

        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        JsonNode error = refused.json().get("errors").get(0);
        assertThat(error.get("field").asText()).isEqualTo("mappings[0]");
        assertThat(error.get("message").asText()).contains("a row of main.docs (column body)")
                .contains("originchain.source.max-row-bytes (" + LIMIT + " bytes)")
                .contains("its key is (id)=(7)");
        assertThat(rows("acme.lite_docs")).isZero();
    }

    @Test
    void aStreamWhoseSourceWritesARowOverTheLimitGoesFailedAndStaysFailed() {
        TestDatabases.execute(streams.asStreamer(), "DROP TABLE IF EXISTS public.bounded_rows",
                "CREATE TABLE public.bounded_rows (id int PRIMARY KEY, body text)",
                "INSERT INTO public.bounded_rows VALUES (1, 'small')");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", streams.sourceBlock(StreamSource.USER));
        body.put("mappings", List.of(mapping("public.bounded_rows", "s_bounded", List.of("id"), null)));
        Response created = stream("PUT", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() -> "streaming".equals(stream("GET", null).json().get("status").asText()));

        // pgoutput sends an inserted value whole, in its text form, however it is stored.
        TestDatabases.execute(streams.asStreamer(), "INSERT INTO public.bounded_rows VALUES (2, repeat('z', " + 4 * LIMIT + "))");
        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(stream("GET", null).json().get("status").asText()));

        JsonNode error = stream("GET", null).json().get("error");
        assertThat(error.get("errors").get(0).get("field").asText()).isEqualTo("mappings[0]");
        assertThat(error.get("detail").asText()).contains("public.bounded_rows")
                .contains("originchain.source.max-row-bytes (" + LIMIT + " bytes)");
        assertThat(error.get("resume").asText()).contains("max-row-bytes");
        // Not restarted by the supervisor, which looks every second: it stays failed, nothing more applied.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> "failed".equals(stream("GET", null).json().get("status").asText()));
        assertThat(rows("acme.s_bounded")).isEqualTo(1);
        assertThat(stream("DELETE", null).status()).isEqualTo(204);
    }

    private long rows(String table) {
        return tableExists(target(), table) ? Long.parseLong(TestDatabases.single(target(), "SELECT count(*) FROM " + table)) : 0;
    }

    private Response stream(String method, Object body) {
        return send(method, "/v1/tenants/acme/ingest/postgres/streams/bounded", "application/json",
                body == null ? null : writeJson(body));
    }

    private Response postJson(String engine, Object body) {
        return send("POST", "/v1/tenants/acme/ingest/" + engine + "/sync", "application/json", writeJson(body));
    }

    private Response uploadSqlite(Map<String, Object> manifest, byte[] file) throws IOException {
        String boundary = "----originchain-row-bounds-3c9e";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        body.write(json.writeValueAsBytes(manifest));
        body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"database\"; filename=\"docs.sqlite\"\r\n"
                + "Content-Type: application/vnd.sqlite3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(file);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return send("POST", "/v1/tenants/acme/ingest/sqlite/sync", "multipart/form-data; boundary=" + boundary, body.toByteArray());
    }

    private byte[] writeJson(Object body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Response send(String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + ACME_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            request.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode node = null;
            try {
                node = r.body().isEmpty() ? null : json.readTree(r.body());
            } catch (IOException ignored) {
                // Not JSON: the assertions on status say what came.
            }
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), null, r.body(), node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A PostgreSQL peer over TLS, in front of the plain test source (so that no channel binding tells it
     * from the real server), that relays everything unchanged until
     * the source's first CopyOutResponse; the CopyData after it goes out announcing 2 GiB, followed by
     * 16 bytes and nothing more, the connection held open until the client closes it.
     */
    static final class CopyLengthLiar implements Closeable {

        private static final int SSL_REQUEST = 80877103;

        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final SSLContext tls = serverTls();
        private final int upstreamPort;
        private final AtomicInteger lies = new AtomicInteger();

        CopyLengthLiar(int upstreamPort) throws Exception {
            this.upstreamPort = upstreamPort;
            Thread accept = new Thread(this::accept, "copy-length-liar");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int lies() {
            return lies.get();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Thread serve = new Thread(() -> serve(client), "copy-length-liar-conn");
                    serve.setDaemon(true);
                    serve.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket client) {
            try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
                DataInputStream hello = new DataInputStream(client.getInputStream());
                if (hello.readInt() != 8 || hello.readInt() != SSL_REQUEST) {
                    return;
                }
                client.getOutputStream().write('S');
                client.getOutputStream().flush();
                SSLSocket downstream = (SSLSocket) tls.getSocketFactory().createSocket(client, "localhost", client.getPort(), true);
                downstream.setUseClientMode(false);
                downstream.startHandshake();

                Thread frontend = new Thread(() -> relay(downstream, upstream), "copy-length-liar-frontend");
                frontend.setDaemon(true);
                frontend.start();
                relayBackend(new DataInputStream(upstream.getInputStream()), new DataOutputStream(downstream.getOutputStream()));
                frontend.join();
            } catch (Exception ignored) {
                // The client hung up, as it should once it has refused the row.
            }
        }

        private void relayBackend(DataInputStream from, DataOutputStream to) throws IOException {
            boolean copyOut = false;
            for (int type; (type = from.read()) >= 0; ) {
                int length = from.readInt();
                byte[] body = from.readNBytes(length - 4);
                if (type == 'd' && copyOut) {
                    to.writeByte('d');
                    to.writeInt(Integer.MAX_VALUE);
                    to.write(body, 0, Math.min(16, body.length));
                    to.flush();
                    lies.incrementAndGet();
                    return;
                }
                copyOut |= type == 'H';
                to.writeByte(type);
                to.writeInt(length);
                to.write(body);
                to.flush();
            }
        }

        private static void relay(Socket from, Socket to) {
            try (InputStream in = from.getInputStream()) {
                in.transferTo(to.getOutputStream());
            } catch (IOException ignored) {
                // Either side closed.
            }
        }

        private static SSLContext serverTls() throws Exception {
            return ServerTls.forLocalhost(Certificates.newAuthority("Hostile peer CA"));
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
