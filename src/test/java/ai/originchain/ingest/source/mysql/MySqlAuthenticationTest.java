package ai.originchain.ingest.source.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.mysql.cj.protocol.AuthenticationPlugin;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.ServerTls;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.support.TestMariaDb;

/**
 * A MySQL source answers only the password methods the connector needs: a server asking for any
 * other method (a real MariaDB user of {@code mysql_old_password}; a wire peer asking for
 * {@code authentication_oci_client}) is a 502 saying the method is not supported, and the driver
 * never answers the request.
 */
class MySqlAuthenticationTest extends ConnectorTest {

    private static final TestMariaDb mysql = TestMariaDb.get();

    @BeforeAll
    static void table() {
        mysql.execute("CREATE TABLE IF NOT EXISTS auth_small (id int PRIMARY KEY, name varchar(20))",
                "INSERT IGNORE INTO auth_small VALUES (1, 'one')");
    }

    @Test
    void everyAuthenticationMethodOfTheDriverIsEitherNeededOrTurnedOff() throws Exception {
        List<String> methods = new ArrayList<>();
        Path jar = Path.of(AuthenticationPlugin.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile file = new JarFile(jar.toFile())) {
            for (String entry : file.stream().map(e -> e.getName()).toList()) {
                if (entry.startsWith("com/mysql/cj/protocol/a/authentication/") && entry.endsWith(".class") && !entry.contains("$")) {
                    Class<?> type = Class.forName(entry.replace('/', '.').replace(".class", ""));
                    if (AuthenticationPlugin.class.isAssignableFrom(type) && !Modifier.isAbstract(type.getModifiers())) {
                        methods.add((String) type.getField("PLUGIN_NAME").get(null));
                    }
                }
            }
        }

        assertThat(methods).contains("caching_sha2_password", "authentication_oci_client");
        List<String> known = new ArrayList<>(MySqlConnector.AUTHENTICATION_METHODS);
        known.addAll(MySqlConnector.DISABLED_AUTHENTICATION_METHODS);
        // A driver upgrade that brings a new method fails here until it is decided on.
        assertThat(known).containsAll(methods);
    }

    @Test
    void aMariaDbUserOfAnOldMethodIs502SayingTheMethodIsNotSupported(CapturedOutput output) throws Exception {
        Map<String, Object> source = source(mysql.tlsPort, TestMariaDb.OLD_AUTH_USER);

        Response refused = postMySql(source, "my_auth_old");

        assertThat(refused.status()).as(refused.body()).isEqualTo(502);
        assertThat(refused.json().get("detail").asText())
                .contains("the server asked for the authentication method 'mysql_old_password', which the service does not support");
        assertThat(tableExists(target(), "acme.my_auth_old")).isFalse();
        assertThat(output.getAll() + refused.body()).doesNotContain(TestMariaDb.PASSWORD);

        // The same server, a user of a supported method: synced.
        Response synced = postMySql(source(mysql.tlsPort, TestMariaDb.USER), "my_auth_ok");
        assertThat(synced.status()).as(synced.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT name FROM acme.my_auth_ok WHERE id = 1")).isEqualTo("one");
    }

    @Test
    void aServerAskingForOciSigningGetsNoAnswerAndTheSyncIs502() throws Exception {
        try (AuthSwitchingPeer peer = new AuthSwitchingPeer("authentication_oci_client")) {
            Response refused = postMySql(source(peer.port(), TestMariaDb.USER), "my_auth_oci");

            assertThat(refused.status()).as(refused.body()).isEqualTo(502);
            assertThat(refused.json().get("detail").asText())
                    .contains("the server asked for the authentication method 'authentication_oci_client', which the service does not support");
            AuthSwitchingPeer.Seen seen = peer.seen().get(30, TimeUnit.SECONDS);
            // The peer got the TLS handshake and the login, asked for OCI, and got nothing back: no signature.
            assertThat(seen.loginUser()).isEqualTo(TestMariaDb.USER);
            assertThat(seen.packetsAfterSwitch()).isZero();
        }
        assertThat(tableExists(target(), "acme.my_auth_oci")).isFalse();
    }

    private static Map<String, Object> source(int port, String user) {
        return new LinkedHashMap<>(Map.of("host", "localhost", "port", port, "database", TestMariaDb.DATABASE,
                "user", user, "password", TestMariaDb.PASSWORD, "sslmode", "require"));
    }

    private Response postMySql(Map<String, Object> source, String target) throws Exception {
        Map<String, Object> body = Map.of("source", source, "mappings", List.of(mapping("auth_small", target, List.of("id"), null)));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/mysql/sync"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + ACME_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), null,
                response.body(), response.body().isEmpty() ? null : json.readTree(response.body()));
    }

    /**
     * A MySQL wire-protocol peer: greets (TLS offered, {@code mysql_native_password}), takes the
     * client's TLS upgrade and login, then answers the login with an AuthSwitchRequest for
     * {@code method} and counts what the client sends after it.
     */
    static final class AuthSwitchingPeer implements AutoCloseable {

        record Seen(String loginUser, int packetsAfterSwitch) {
        }

        private static final int CAPABILITIES = 0x1 | 0x4 | 0x8 | 0x200 | 0x800 | 0x2000 | 0x8000 | 0x20000 | 0x80000 | 0x200000;

        private final ServerSocket server;
        private final CompletableFuture<Seen> seen = new CompletableFuture<>();

        AuthSwitchingPeer(String method) throws Exception {
            SSLContext tls = ServerTls.forLocalhost(TestDatabases.get().sourceCa);
            server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
            Thread thread = new Thread(() -> serve(tls, method), "mysql-auth-switching-peer");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        CompletableFuture<Seen> seen() {
            return seen;
        }

        private void serve(SSLContext tls, String method) {
            try (Socket plain = server.accept()) {
                plain.setSoTimeout(20_000);
                write(plain.getOutputStream(), 0, greeting());
                read(plain.getInputStream()); // SSLRequest
                SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
                socket.setUseClientMode(false);
                socket.startHandshake();
                byte[] login = read(socket.getInputStream());
                int end = 32;
                while (login[end] != 0) {
                    end++;
                }
                String user = new String(login, 32, end - 32, StandardCharsets.UTF_8);
                ByteArrayOutputStream authSwitch = new ByteArrayOutputStream();
                authSwitch.write(0xfe);
                authSwitch.write(method.getBytes(StandardCharsets.US_ASCII));
                authSwitch.write(0);
                authSwitch.write(new byte[32]);
                write(socket.getOutputStream(), 3, authSwitch.toByteArray());
                int after = 0;
                try {
                    while (true) {
                        read(socket.getInputStream());
                        after++;
                    }
                } catch (IOException closed) {
                    seen.complete(new Seen(user, after));
                }
            } catch (Exception e) {
                seen.completeExceptionally(e);
            }
        }

        private static byte[] greeting() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(10);
            out.write("8.0.36\0".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {1, 0, 0, 0});
            out.write("abcdefgh".getBytes(StandardCharsets.US_ASCII));
            out.write(0);
            out.write(CAPABILITIES & 0xff);
            out.write((CAPABILITIES >> 8) & 0xff);
            out.write(255);
            out.write(new byte[] {2, 0});
            out.write((CAPABILITIES >> 16) & 0xff);
            out.write((CAPABILITIES >> 24) & 0xff);
            out.write(21);
            out.write(new byte[10]);
            out.write("ijklmnopqrst\0".getBytes(StandardCharsets.US_ASCII));
            out.write("mysql_native_password\0".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }

        private static void write(OutputStream out, int sequence, byte[] payload) throws IOException {
            out.write(new byte[] {(byte) payload.length, (byte) (payload.length >> 8), (byte) (payload.length >> 16), (byte) sequence});
            out.write(payload);
            out.flush();
        }

        private static byte[] read(InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            byte[] header = new byte[4];
            data.readFully(header);
            int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
            if (length > 1 << 20) {
                throw new EOFException("not a login-sized packet");
            }
            byte[] payload = new byte[length];
            data.readFully(payload);
            return payload;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
