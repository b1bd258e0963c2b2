package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.StreamSource;
import ai.originchain.ingest.support.TestDatabases;

/**
 * The OpenAPI document at /v1/openapi.json against the API's real answers (docs/api.md): each
 * response's status must be one its operation declares, with the declared media type and headers,
 * and its body must validate (JSON Schema 2020-12, networknt) against the declared schema, read
 * strictly: an object may carry no field the document does not name.
 */
class OpenApiConformanceTest extends ConnectorTest {

    private static final String BASE = "/v1/tenants/{tenant}/ingest/postgres";
    private static final int ROWS = 40;
    private static final int HELD_ROWS = 2000;
    /** The source row whose read waits for this test's advisory lock of this key. */
    private static final int HELD_AT = 1500;
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig STRICT = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();

    private JsonNode document;
    /** The document with additionalProperties false on every object schema that does not say otherwise. */
    private ObjectNode closed;

    @BeforeAll
    static void sourceTables() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.oas_orders, public.oas_events, public.oas_held",
                "CREATE TABLE public.oas_orders (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.oas_orders SELECT g, 'order ' || g FROM generate_series(1, " + ROWS + ") g",
                "CREATE TABLE public.oas_events (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL)",
                "INSERT INTO public.oas_events SELECT g, timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, "
                        + ROWS + ") g",
                // A table whose read stops at row HELD_AT while the test holds an advisory lock (the policy applies to the sync's role).
                "CREATE TABLE public.oas_held (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.oas_held SELECT g, 'held ' || g FROM generate_series(1, " + HELD_ROWS + ") g",
                "ANALYZE public.oas_held",
                "ALTER TABLE public.oas_held ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY wait_for_the_openapi_test ON public.oas_held FOR SELECT USING (CASE WHEN id = " + HELD_AT
                        + " THEN pg_catalog.pg_advisory_lock_shared(" + HELD_AT + ")::text = '' ELSE true END)",
                "GRANT SELECT ON public.oas_orders, public.oas_events, public.oas_held TO readonly");
    }

    @BeforeEach
    void fetchTheDocument() throws IOException {
        HttpResponse<String> served = send("GET", "/v1/openapi.json", null, null, null);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        document = json.readTree(served.body());
        closed = (ObjectNode) document.deepCopy();
        close(closed);
    }

    @Test
    void everyDefaultIsAValueOfItsOwnSchema() {
        Map<String, JsonNode> defaults = new LinkedHashMap<>();
        collectDefaults(document, "", defaults);
        assertThat(defaults).as("the document declares defaults (limit, max_delete_fraction …)").isNotEmpty();
        defaults.forEach((where, schema) -> {
            ObjectNode withoutDefault = (ObjectNode) schema.deepCopy();
            JsonNode value = withoutDefault.remove("default");
            Set<ValidationMessage> errors = SCHEMAS.getSchema(withoutDefault, STRICT).validate(value);
            assertThat(errors).as("the default %s at %s is a value of its schema %s", value, where, withoutDefault).isEmpty();
        });
    }

    private static void collectDefaults(JsonNode node, String where, Map<String, JsonNode> found) {
        if (node.isObject()) {
            if (node.has("default") && node.has("type")) {
                found.put(where, node);
            }
            node.fields().forEachRemaining(field -> collectDefaults(field.getValue(), where + "/" + field.getKey(), found));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectDefaults(node.get(i), where + "/" + i, found);
            }
        }
    }

    @Test
    void everyOperationDocumentsItsSuccessItsProblemsAndTheContractsFields() {
        Map<String, JsonNode> operations = operations();
        assertThat(operations.keySet()).contains("post-sync", "post-mysql-sync", "post-sqlite-sync", "get-sync", "list-syncs", "cancel-sync",
                "put-stream", "get-stream", "list-streams", "delete-stream");
        operations.forEach((id, operation) -> {
            JsonNode responses = operation.get("responses");
            List<String> statuses = new ArrayList<>();
            responses.fieldNames().forEachRemaining(statuses::add);
            assertThat(statuses).as(id).anyMatch(s -> s.startsWith("2")).contains("400", "401", "403");
            responses.fields().forEachRemaining(r -> {
                String status = r.getKey();
                JsonNode content = r.getValue().path("content");
                if (status.startsWith("4") || status.startsWith("5")) {
                    assertThat(content.has("application/problem+json")).as(id + " " + status + " " + content).isTrue();
                    assertThat(content.size()).as(id + " " + status).isEqualTo(1);
                    assertThat(content.get("application/problem+json").get("schema").get("$ref").asText())
                            .as(id + " " + status).matches("#/components/schemas/(Problem|SyncProblem)");
                } else if (!status.equals("204")) {
                    assertThat(content.has("application/json")).as(id + " " + status + " " + content).isTrue();
                    assertThat(content.get("application/json").get("schema").toString()).as(id + " " + status).contains("$ref");
                }
                if (status.equals("401")) {
                    assertThat(r.getValue().path("headers").has("WWW-Authenticate")).as(id).isTrue();
                }
                if (status.equals("429")) {
                    assertThat(r.getValue().path("headers").has("Retry-After")).as(id).isTrue();
                }
            });
            if (id.equals("post-sqlite-sync")) {
                assertThat(operation.at("/requestBody/content/multipart~1form-data/schema/required").toString())
                        .contains("manifest", "database");
            } else if (operation.has("requestBody")) {
                assertThat(operation.at("/requestBody/content/application~1json/schema/$ref").asText()).as(id)
                        .matches("#/components/schemas/(SyncManifest|StreamManifest)");
            }
        });
        assertThat(operations.get("post-sqlite-sync").get("responses").fieldNames()).toIterable()
                .contains("200", "400", "401", "403", "409", "413", "415", "422", "429", "503");
        for (String sync : List.of("post-sync", "post-mysql-sync")) {
            JsonNode responses = operations.get(sync).get("responses");
            assertThat(responses.fieldNames()).toIterable()
                    .contains("200", "202", "400", "401", "403", "409", "413", "415", "422", "429", "502", "503");
            assertThat(responses.get("202").get("headers").has("Location")).isTrue();
            assertThat(responses.at("/502/content/application~1problem+json/schema/$ref").asText()).endsWith("/SyncProblem");
            assertThat(operations.get(sync).get("parameters").toString()).contains("\"Prefer\"");
        }
        assertThat(operations.get("cancel-sync").get("responses").fieldNames()).toIterable().contains("202", "404", "409");
        assertThat(operations.get("put-stream").get("responses").fieldNames()).toIterable()
                .contains("200", "201", "409", "422", "503");
        assertThat(operations.get("delete-stream").get("responses").fieldNames()).toIterable().contains("204", "404");
        assertThat(operations.get("list-syncs").get("parameters").toString()).contains("\"status\"", "\"limit\"", "\"next\"");

        JsonNode schemas = document.at("/components/schemas");
        assertThat(properties(schemas, "MappingReport")).contains("source_table", "target_schema", "rows_read", "rows_written",
                "rows_changed", "rows_deleted", "schema_created", "duration_ms", "cursor_from", "cursor_to", "bytes_read",
                "rows_per_second", "eta_seconds");
        assertThat(properties(schemas, "SyncReport")).contains("sync_id", "tenant", "status", "trigger", "scheduled_at",
                "started_at", "finished_at", "mappings");
        assertThat(schemas.at("/SyncReport/properties/status/enum")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("running", "succeeded", "failed", "cancelled", "abandoned", "skipped");
        assertThat(properties(schemas, "SyncList")).containsExactlyInAnyOrder("syncs", "next");
        assertThat(properties(schemas, "Problem")).contains("type", "title", "status", "detail", "errors");
        assertThat(properties(schemas, "FieldError")).containsExactlyInAnyOrder("field", "message");
        assertThat(properties(schemas, "SyncProblem")).contains("type", "title", "status", "detail", "errors", "report");
        assertThat(properties(schemas, "StreamReport")).contains("stream", "tenant", "status", "slot", "publication",
                "confirmed_lsn", "lag_bytes", "last_applied_at", "mappings", "error");
        assertThat(properties(schemas, "Source")).contains("host", "port", "database", "user", "password", "sslmode", "sslrootcert");
        assertThat(properties(schemas, "Mapping")).contains("source_table", "target_schema", "primary_key", "columns", "mode",
                "delete_mode", "max_delete_fraction", "filter", "cursor");
        assertThat(schemas.at("/Source/properties/sslmode/enum")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("require", "verify-full");
    }

    @Test
    void aSyncItsBackgroundRunAndTheRunsListAnswerAsDocumented() throws Exception {
        Map<String, Object> manifest = Map.of("source", tlsSource("require"), "mappings", List.of(
                Map.of("source_table", "public.oas_orders", "target_schema", "oas_orders", "primary_key", List.of("id"),
                        "mode", "mirror"),
                Map.of("source_table", "public.oas_events", "target_schema", "oas_events", "primary_key", List.of("id"),
                        "mode", "incremental", "cursor", Map.of("column", "updated_at", "lookback", "PT5M"))));
        assertValid("#/components/schemas/SyncManifest", json.valueToTree(manifest), "the manifest sent");

        HttpResponse<String> synced = send("POST", "/v1/tenants/acme/ingest/postgres/sync", ACME_TOKEN, manifest, null);
        JsonNode report = conforms("post-sync", synced, 200);
        assertThat(report.get("status").asText()).isEqualTo("succeeded");
        assertThat(report.get("mappings").get(0).get("rows_written").asLong()).isEqualTo(ROWS);
        assertThat(report.get("mappings").get(0).has("rows_deleted")).isTrue();
        assertThat(report.get("mappings").get(1).get("cursor_to").asText()).isNotEmpty();

        HttpResponse<String> accepted = send("POST", "/v1/tenants/acme/ingest/postgres/sync", ACME_TOKEN, manifest, "respond-async");
        JsonNode running = conforms("post-sync", accepted, 202);
        String syncId = running.get("sync_id").asText();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/v1/tenants/acme/ingest/postgres/syncs/" + syncId);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        JsonNode done = await().atMost(Duration.ofSeconds(60))
                .until(() -> conforms("get-sync", send("GET", location, ACME_TOKEN, null, null), 200),
                        r -> r.get("status").asText().equals("succeeded"));
        assertThat(done.get("mappings").get(1).get("cursor_from").isTextual()).as(done.toString()).isTrue();

        JsonNode page = conforms("list-syncs", send("GET", "/v1/tenants/acme/ingest/postgres/syncs?limit=1",
                ACME_TOKEN, null, null), 200);
        assertThat(page.get("syncs")).hasSize(1);
        assertThat(page.get("next").isTextual()).isTrue();
        // One page on: the run before (acme's older history also holds other tests' hand-made rows).
        JsonNode next = conforms("list-syncs", send("GET", "/v1/tenants/acme/ingest/postgres/syncs?limit=1&next="
                + page.get("next").asText(), ACME_TOKEN, null, null), 200);
        assertThat(next.get("syncs")).hasSize(1);
        assertThat(next.get("syncs").get(0).get("started_at").asText())
                .isLessThanOrEqualTo(page.get("syncs").get(0).get("started_at").asText());

        JsonNode ended = conforms("cancel-sync", send("DELETE", location, ACME_TOKEN, null, null), 409);
        assertThat(ended.get("status").asInt()).isEqualTo(409);
        conforms("get-sync", send("GET", "/v1/tenants/acme/ingest/postgres/syncs/00000000-0000-4000-8000-000000000000",
                ACME_TOKEN, null, null), 404);
        JsonNode badQuery = conforms("list-syncs", send("GET", "/v1/tenants/acme/ingest/postgres/syncs?status=finished",
                ACME_TOKEN, null, null), 400);
        assertThat(badQuery.get("errors").get(0).get("field").asText()).isEqualTo("status");
    }

    @Test
    void aRunningSyncAFullPoolAndACancelAnswerAsDocumented() throws Exception {
        List<String> held = new ArrayList<>();
        try (Connection holder = dbs.source().getConnection()) {
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT pg_advisory_lock(" + HELD_AT + ")");
            }
            // The test context's background pool has two threads (originchain.api.async-pool-size).
            for (String target : List.of("oas_held_a", "oas_held_b")) {
                HttpResponse<String> accepted = send("POST", "/v1/tenants/globex/ingest/postgres/sync", GLOBEX_TOKEN,
                        heldManifest(target), "respond-async");
                held.add(conforms("post-sync", accepted, 202).get("sync_id").asText());
            }
            JsonNode full = conforms("post-sync", send("POST", "/v1/tenants/globex/ingest/postgres/sync", GLOBEX_TOKEN,
                    heldManifest("oas_held_c"), "respond-async"), 429);
            assertThat(full.get("status").asInt()).isEqualTo(429);

            // The live report of a run held at the source: its estimate and ETA while it runs.
            JsonNode live = await().atMost(Duration.ofSeconds(30)).until(() -> conforms("get-sync",
                    send("GET", "/v1/tenants/globex/ingest/postgres/syncs/" + held.get(0), GLOBEX_TOKEN, null, null), 200),
                    r -> r.get("mappings").get(0).get("rows_read").asLong() > 0);
            assertThat(live.get("status").asText()).isEqualTo("running");
            assertThat(live.get("mappings").get(0).get("estimated_rows").asLong()).isEqualTo(HELD_ROWS);
            for (String syncId : held) {
                JsonNode cancelling = conforms("cancel-sync",
                        send("DELETE", "/v1/tenants/globex/ingest/postgres/syncs/" + syncId, GLOBEX_TOKEN, null, null), 202);
                assertThat(cancelling.get("sync_id").asText()).isEqualTo(syncId);
            }
        }
        for (String syncId : held) {
            await().atMost(Duration.ofSeconds(30)).until(() -> conforms("get-sync",
                    send("GET", "/v1/tenants/globex/ingest/postgres/syncs/" + syncId, GLOBEX_TOKEN, null, null), 200)
                    .get("status").asText(), "cancelled"::equals);
        }
    }

    @Test
    void problemsAnswerAsDocumented() throws Exception {
        String sync = "/v1/tenants/acme/ingest/postgres/sync";
        JsonNode invalid = conforms("post-sync", send("POST", sync, ACME_TOKEN, Map.of("source", Map.of("host", "localhost",
                "database", "app", "user", "u", "password", "p", "sslmode", "disable"), "mappings", List.of(), "extra", 1), null), 400);
        assertThat(invalid.get("errors")).extracting(e -> e.get("field").asText()).contains("source.sslmode", "extra");

        HttpResponse<String> anonymous = send("POST", sync, null, Map.of(), null);
        conforms("post-sync", anonymous, 401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        conforms("post-sync", send("POST", sync, GLOBEX_TOKEN, Map.of(), null), 403);
        conforms("post-sync", send("POST", sync, ACME_TOKEN, "not json", null, "text/plain"), 415);
        conforms("post-sync", send("POST", sync, ACME_TOKEN, "{\"pad\": \"" + "x".repeat(1024 * 1024 + 1) + "\"}", null,
                "application/json"), 413);

        JsonNode missing = conforms("post-sync", send("POST", sync, ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.oas_no_such_table", "oas_none", List.of("id"), null))), null), 422);
        assertThat(missing.get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].source_table");

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, Object> unreachable = new HashMap<>(tlsSource("require"));
        unreachable.put("port", closedPort);
        JsonNode refused = conforms("post-sync", send("POST", sync, ACME_TOKEN, Map.of("source", unreachable,
                "mappings", List.of(mapping("public.oas_orders", "oas_refused", List.of("id"), null))), null), 502);
        assertThat(refused.get("detail").asText()).doesNotContain(TestDatabases.SOURCE_PASSWORD);

        conforms("list-syncs", send("GET", "/v1/tenants/Not-A-Tenant/ingest/postgres/syncs", ACME_TOKEN, null, null), 400);
        conforms("list-syncs", send("GET", "/v1/tenants/acme/ingest/postgres/syncs", null, null, null), 401);
        conforms("post-mysql-sync", send("POST", "/v1/tenants/acme/ingest/mysql/sync", null, Map.of(), null), 401);
        conforms("post-mysql-sync", send("POST", "/v1/tenants/acme/ingest/mysql/sync", ACME_TOKEN, Map.of("mappings", List.of()), null), 400);
    }

    @Test
    void anSqliteUploadAnswersAsDocumented(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("shop.sqlite");
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE items (id integer PRIMARY KEY, label text)");
            st.execute("INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        }
        String upload = "/v1/tenants/acme/ingest/sqlite/sync";
        String boundary = "----originchain-openapi-boundary";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(json.writeValueAsBytes(Map.of("mappings", List.of(mapping("items", "oas_sqlite_items", List.of("id"), null)))));
        body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"database\"; filename=\"shop.sqlite\"\r\n"
                + "Content-Type: application/vnd.sqlite3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(java.nio.file.Files.readAllBytes(file));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));

        HttpResponse<String> synced = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + upload))
                .header("Authorization", "Bearer " + ACME_TOKEN).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode report = conforms("post-sqlite-sync", synced, 200);
        assertThat(report.get("mappings").get(0).get("rows_written").asLong()).isEqualTo(3);
        conforms("post-sqlite-sync", send("POST", upload, null, Map.of(), null), 401);
        conforms("post-sqlite-sync", send("POST", upload, ACME_TOKEN, Map.of(), null), 415);
    }

    @Test
    void aStreamAnswersAsDocumented() throws Exception {
        StreamSource src = StreamSource.get();
        TestDatabases.execute(src.asStreamer(), "DROP TABLE IF EXISTS public.oas_stream",
                "CREATE TABLE public.oas_stream (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.oas_stream SELECT g, 'row ' || g FROM generate_series(1, 20) g");
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("source", src.sourceBlock(StreamSource.USER));
        manifest.put("mappings", List.of(mapping("public.oas_stream", "oas_stream", List.of("id"), null)));
        assertValid("#/components/schemas/StreamManifest", json.valueToTree(manifest), "the stream manifest sent");
        String stream = "/v1/tenants/acme/ingest/postgres/streams/oas";

        JsonNode created = conforms("put-stream", send("PUT", stream, ACME_TOKEN, manifest, null), 201);
        assertThat(created.get("stream").asText()).isEqualTo("oas");
        conforms("put-stream", send("PUT", stream, ACME_TOKEN, manifest, null), 200);
        Map<String, Object> other = new LinkedHashMap<>(manifest);
        other.put("mappings", List.of(mapping("public.oas_stream", "oas_stream", List.of("id"), List.of("id"))));
        conforms("put-stream", send("PUT", stream, ACME_TOKEN, other, null), 409);
        JsonNode streaming = await().atMost(Duration.ofSeconds(60))
                .until(() -> conforms("get-stream", send("GET", stream, ACME_TOKEN, null, null), 200),
                        r -> r.get("status").asText().equals("streaming"));
        assertThat(streaming.get("slot").asText()).isNotEmpty();
        JsonNode list = conforms("list-streams", send("GET", "/v1/tenants/acme/ingest/postgres/streams", ACME_TOKEN, null, null), 200);
        assertThat(list.get("streams")).extracting(s -> s.get("stream").asText()).contains("oas");
        conforms("get-stream", send("GET", "/v1/tenants/acme/ingest/postgres/streams/oas_none", ACME_TOKEN, null, null), 404);

        conforms("delete-stream", send("DELETE", stream, ACME_TOKEN, null, null), 204);
        conforms("delete-stream", send("DELETE", stream, ACME_TOKEN, null, null), 404);
    }

    private Map<String, Object> heldManifest(String target) {
        return Map.of("source", tlsSource("require"), "mappings", List.of(mapping("public.oas_held", target, List.of("id"), null)));
    }

    /**
     * The response matches its operation in the document: a declared status, each declared header,
     * the declared media type and a body valid against the declared schema (closed); its body.
     */
    private JsonNode conforms(String operationId, HttpResponse<String> response, int expectedStatus) throws IOException {
        assertThat(response.statusCode()).as(operationId + ": " + response.body()).isEqualTo(expectedStatus);
        JsonNode operation = operations().get(operationId);
        assertThat(operation).as(operationId).isNotNull();
        assertThat(pathOf(operation)).as("the path of " + operationId).matches(p -> templateMatches(p, response.uri().getPath()));
        JsonNode declared = operation.get("responses").get(String.valueOf(response.statusCode()));
        assertThat(declared).as(operationId + " declares " + response.statusCode()).isNotNull();
        declared.path("headers").fieldNames().forEachRemaining(header ->
                assertThat(response.headers().firstValue(header)).as(operationId + " " + response.statusCode() + " " + header).isPresent());
        JsonNode content = declared.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            assertThat(response.body()).as(operationId + " " + response.statusCode() + " has no body").isEmpty();
            return null;
        }
        String mediaType = response.headers().firstValue("Content-Type").orElse("").split(";")[0].trim();
        assertThat(content.has(mediaType)).as(operationId + " " + response.statusCode() + " declares " + mediaType + ": " + content).isTrue();
        JsonNode body = json.readTree(response.body());
        assertValid(content.get(mediaType).get("schema").get("$ref").asText(), body, operationId + " " + response.statusCode());
        return body;
    }

    private void assertValid(String ref, JsonNode instance, String what) {
        ObjectNode schema = json.createObjectNode();
        schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.put("$ref", ref);
        schema.set("components", closed.get("components"));
        JsonSchema validator = SCHEMAS.getSchema(schema, STRICT);
        Set<ValidationMessage> errors = validator.validate(instance);
        assertThat(errors).as(what + " against " + ref + ": " + instance).isEmpty();
    }

    private Map<String, JsonNode> operations() {
        Map<String, JsonNode> operations = new LinkedHashMap<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (op.getValue().has("operationId")) {
                ((ObjectNode) op.getValue()).put("x-path", path.getKey());
                operations.put(op.getValue().get("operationId").asText(), op.getValue());
            }
        }));
        return operations;
    }

    private static String pathOf(JsonNode operation) {
        return operation.get("x-path").asText();
    }

    private static boolean templateMatches(String template, String path) {
        return Pattern.compile("^" + template.replaceAll("\\{[^}]+}", "[^/]+") + "$").matcher(path).matches();
    }

    private static List<String> properties(JsonNode schemas, String name) {
        List<String> names = new ArrayList<>();
        schemas.get(name).get("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** additionalProperties false on every schema with properties that does not say otherwise. */
    private static void close(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.get("properties") instanceof ObjectNode && !object.has("additionalProperties")) {
                object.put("additionalProperties", false);
            }
            object.forEach(OpenApiConformanceTest::close);
        } else if (node.isArray()) {
            node.forEach(OpenApiConformanceTest::close);
        }
    }

    private HttpResponse<String> send(String method, String path, String token, Object body, String prefer) {
        try {
            return send(method, path, token, body == null ? null : json.writeValueAsString(body), prefer, "application/json");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(String method, String path, String token, String body, String prefer, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", contentType);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (prefer != null) {
            request.header("Prefer", prefer);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
