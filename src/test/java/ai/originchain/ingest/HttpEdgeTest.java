package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * The HTTP edge, spoken to over a raw socket so nothing between the test and Tomcat tidies the
 * request: whatever a client sends, the answer is problem+json with the contract's status, never
 * an HTML page or a 500, the body never reaches a log line, and nothing is written at the target.
 */
class HttpEdgeTest extends ConnectorTest {

    private static final String SYNC = "/v1/tenants/acme/ingest/postgres/sync";

    @BeforeAll
    static void seed() {
        TestDatabases.execute(dbs.source(),
                "CREATE TABLE IF NOT EXISTS public.edge_accounts (id int PRIMARY KEY, owner text)",
                "INSERT INTO public.edge_accounts SELECT g, 'owner ' || g FROM generate_series(1, 5) g ON CONFLICT DO NOTHING");
    }

    record Raw(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + body;
        }
    }

    /** One request as bytes on the wire, exactly as given; the connection closes after the answer. */
    private Raw send(String method, String target, Map<String, String> headers, byte[] body) {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            if (body != null) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            try {
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                if (body != null) {
                    out.write(body);
                }
                out.flush();
            } catch (IOException refusedMidway) {
                // A server that answers before reading all of a request (a header over its limit) may close
                // while this side still writes; its answer is in this socket's buffer all the same.
                try {
                    return parse(socket.getInputStream().readAllBytes());
                } catch (IOException unread) {
                    refusedMidway.addSuppressed(unread);
                    throw refusedMidway;
                }
            }
            return parse(socket.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Raw parse(byte[] response) throws IOException {
        String text = new String(response, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as("a complete HTTP response: %s", text).isPositive();
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = unchunk(body);
        }
        return new Raw(status, headers, body);
    }

    private static String unchunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private Raw post(String target, String contentType, String token, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        return send("POST", target, headers, body);
    }

    private byte[] manifest(String target) {
        try {
            return json.writeValueAsBytes(Map.of("source", tlsSource("require"),
                    "mappings", List.of(mapping("public.edge_accounts", target, List.of("id"), null))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The contract's problem: RFC 9457 members, the status, and nothing a client should never see. */
    private JsonNode assertProblem(Raw response, int status) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("Content-Type")).as(response.toString()).startsWith("application/problem+json");
        JsonNode problem;
        try {
            problem = json.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response, e);
        }
        assertThat(problem.get("type").asText()).startsWith("https://");
        assertThat(problem.get("title").asText()).isNotBlank();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("detail").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain(TestDatabases.SOURCE_PASSWORD).doesNotContain("<html")
                .doesNotContain("Exception").doesNotContain("\tat ");
        return problem;
    }

    private static List<String> fields(JsonNode problem) {
        List<String> fields = new ArrayList<>();
        problem.path("errors").forEach(e -> fields.add(e.get("field").asText()));
        return fields;
    }

    @Test
    void pathsTomcatRefusesAreProblemJson() {
        for (String target : List.of("/v1/tenants/..%2f/ingest/postgres/sync", "/v1/tenants/ac%00me/ingest/postgres/sync",
                "/v1/tenants/acme%2fx/ingest/postgres/sync")) {
            assertProblem(post(target, "application/json", ACME_TOKEN, manifest("edge_tomcat_path")), 400);
        }
        assertThat(tableExists(target(), "acme.edge_tomcat_path")).isFalse();
    }

    @Test
    void aTenantSegmentThatIsNotATenantIdIs400NamingTheTenant(CapturedOutput output) {
        for (String tenant : List.of("acme;x=1", "acme;jsessionid=1", "ACME", "%2e%2e", "acme%3Bx", "a%20b", "9lives")) {
            Raw response = post("/v1/tenants/" + tenant + "/ingest/postgres/sync", "application/json", ACME_TOKEN,
                    manifest("edge_bad_tenant"));
            assertThat(fields(assertProblem(response, 400))).as(tenant).containsExactly("tenant");
        }
        assertThat(tableExists(target(), "acme.edge_bad_tenant")).isFalse();
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    @Test
    void aPercentEncodedTenantIdIsThatTenant() {
        // Reaching the manifest check (400 on mappings) shows the token was accepted for acme (else 403).
        Raw response = post("/v1/tenants/%61cme/ingest/postgres/sync", "application/json", ACME_TOKEN,
                "{\"source\": {}}".getBytes(StandardCharsets.UTF_8));
        assertThat(fields(assertProblem(response, 400))).contains("mappings").doesNotContain("tenant");
    }

    @Test
    void anOversizedHeaderIs400ProblemJson() {
        Raw response = send("POST", SYNC, Map.of("Content-Type", "application/json",
                // Twice the server's 8 KB limit: the whole request fits the sockets' buffers, so it is written before the answer.
                "Authorization", "Bearer " + "a".repeat(16 * 1024)), manifest("edge_big_header"));
        assertProblem(response, 400);
        assertThat(tableExists(target(), "acme.edge_big_header")).isFalse();
    }

    @Test
    void unknownPathsAre404ProblemJsonEvenForBrowsers() {
        for (String target : List.of("/v1/nope", "/nope", "/v1/tenants/acme/ingest/postgres/nope", "/error", "/actuator/nope")) {
            assertProblem(send("GET", target, Map.of("Accept", "text/html"), null), 404);
        }
        assertProblem(send("POST", "/error", Map.of("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8)), 404);
    }

    @Test
    void wrongMethodsAre405WithAllow() {
        for (String method : List.of("GET", "PUT", "DELETE", "PATCH", "TRACE")) {
            Raw response = send(method, SYNC, Map.of("Authorization", "Bearer " + ACME_TOKEN, "Content-Type", "application/json"),
                    method.equals("GET") || method.equals("TRACE") ? null : manifest("edge_method"));
            assertProblem(response, 405);
            assertThat(response.header("Allow")).as(method).contains("POST");
            assertThat(response.body()).doesNotContain(ACME_TOKEN);
        }
        assertThat(tableExists(target(), "acme.edge_method")).isFalse();
    }

    @Test
    void invalidUtf8Is400OnTheBody(CapturedOutput output) {
        byte[] manifest = manifest("edge_utf8");
        String text = new String(manifest, StandardCharsets.UTF_8);
        int at = text.indexOf(TestDatabases.SOURCE_PASSWORD) + TestDatabases.SOURCE_PASSWORD.length();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(text.substring(0, at).getBytes(StandardCharsets.UTF_8));
        body.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3});
        body.writeBytes(text.substring(at).getBytes(StandardCharsets.UTF_8));

        Raw response = post(SYNC, "application/json", ACME_TOKEN, body.toByteArray());

        JsonNode problem = assertProblem(response, 400);
        assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("body");
        assertThat(tableExists(target(), "acme.edge_utf8")).isFalse();
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD).doesNotContain("StreamCacheException");
    }

    @Test
    void aBodyThatIsNotJsonIs415AndNeverReachesTheLog(CapturedOutput output) {
        byte[] json = manifest("edge_media");
        String password = TestDatabases.SOURCE_PASSWORD;
        byte[] form = ("source.password=" + password + "&manifest=" + new String(json, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        String boundary = "edge-boundary-1";
        byte[] multipart = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"; filename=\"body.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + new String(json, StandardCharsets.UTF_8) + "\r\n--" + boundary + "--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        record Case(String contentType, byte[] body) {
        }
        List<Case> cases = List.of(
                // What curl -d sends: the JSON manifest as a form body.
                new Case("application/x-www-form-urlencoded", json),
                new Case("application/x-www-form-urlencoded", form),
                new Case("multipart/form-data; boundary=" + boundary, multipart),
                new Case("multipart/form-data", json),
                new Case(null, json),
                new Case("text/plain", json),
                new Case("application/jsonx", json));
        for (Case c : cases) {
            for (String token : new String[] {ACME_TOKEN, null}) {
                Raw response = post(SYNC, c.contentType(), token, c.body());
                JsonNode problem = assertProblem(response, 415);
                assertThat(problem.get("detail").asText()).as(c.contentType()).contains("application/json");
            }
        }
        assertThat(tableExists(target(), "acme.edge_media")).isFalse();
        assertThat(output.getAll()).doesNotContain(password).doesNotContain("expected to be a pair")
                .doesNotContain("SpringBootPlatformHttpConsumer");
    }

    @Test
    void jsonWithACharsetParameterIsStillJson() {
        Raw response = post(SYNC, "application/json; charset=utf-8", ACME_TOKEN, manifest("edge_charset"));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.edge_charset")).isEqualTo("5");
    }

    @Test
    void controlCharactersInNamesAndCredentialsAre400NamingEachField(CapturedOutput output) {
        Map<String, Object> source = new LinkedHashMap<>(tlsSource("require"));
        source.put("database", "production\u0000");
        source.put("user", "read\u0001only");
        source.put("password", TestDatabases.SOURCE_PASSWORD + "\u0000");
        Map<String, Object> body = Map.of("source", source,
                "mappings", List.of(
                        Map.of("source_table", "public.edge_\taccounts", "target_schema", "edge_ctl", "primary_key", List.of("id")),
                        Map.of("source_table", "edge\u0000x.edge_accounts", "target_schema", "edge_ctl2",
                                "primary_key", List.of("id\u0000"), "columns", List.of("id\u0000", "own\u007fer"))),
                "schemas", List.of(Map.of("name", "edge_ctl", "columns", List.of(Map.of("name", "owner\n", "type", "text")))));
        Response response = post("acme", ACME_TOKEN, body);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        List<String> fields = new ArrayList<>();
        response.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
        assertThat(fields).contains("source.database", "source.user", "source.password", "mappings[0].source_table",
                "mappings[1].source_table", "mappings[1].primary_key[0]", "mappings[1].columns[0]", "mappings[1].columns[1]",
                "schemas[0].columns[0].name");
        assertThat(response.body()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
        assertThat(tableExists(target(), "acme.edge_ctl")).isFalse();
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    @Test
    void probesAnswerWithoutAToken() {
        Raw liveness = send("GET", "/actuator/health/liveness", Map.of(), null);
        Raw readiness = send("GET", "/actuator/health/readiness", Map.of(), null);
        assertThat(liveness.status()).as(liveness.toString()).isEqualTo(200);
        assertThat(liveness.body()).contains("\"UP\"");
        assertThat(readiness.status()).as(readiness.toString()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"UP\"");
    }
}
