package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.api.SqliteUploads;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * SQLite sources: a database file uploaded with the manifest, every affinity mapped, a column of
 * mixed storage classes copied as text with a warning, WITHOUT ROWID tables and views, refusals for
 * a file that is not SQLite (422), an upload over the limit (413), and no temporary file left behind.
 */
class SqliteSourceTest extends ConnectorTest {

    private static byte[] database;

    @BeforeAll
    static void buildDatabase() throws IOException, SQLException {
        Path file = Files.createTempFile("sqlite-source-test", ".db");
        Files.delete(file);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE affinities (id INTEGER PRIMARY KEY, i BIGINT, r DOUBLE, t VARCHAR(30), b BLOB, n DECIMAL(10,2), u)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO affinities VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                Object[][] rows = {
                        {1, Long.MAX_VALUE, 0.30000000000000004, "tab\tnl\nbs\\cr\r😀", new byte[] {0, (byte) 0xff}, 12.5, "untyped"},
                        {2, Long.MIN_VALUE, -1.0e300, "", new byte[0], 42, "x"},
                        {3, null, null, null, null, null, null}};
                for (Object[] row : rows) {
                    for (int i = 0; i < row.length; i++) {
                        insert.setObject(i + 1, row[i]);
                    }
                    insert.executeUpdate();
                }
            }
            st.execute("CREATE TABLE mixed (id INTEGER PRIMARY KEY, v INTEGER)");
            st.execute("INSERT INTO mixed VALUES (1, 5), (2, 'five'), (3, 2.5), (4, x'01')");
            st.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INT) WITHOUT ROWID");
            st.execute("INSERT INTO kv VALUES ('b', 2), ('a', 1), ('é', 3)");
            st.execute("CREATE VIEW kv_doubled AS SELECT k, v * 2 AS v2 FROM kv");
        }
        database = Files.readAllBytes(file);
        Files.delete(file);
    }

    @AfterEach
    void noUploadIsLeftBehind() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith(SqliteUploads.TEMP_PREFIX)))
                    .as("temporary upload files").isEmpty();
        }
    }

    @Test
    void everyAffinityArrivesAndAMixedColumnBecomesTextWithAWarning() {
        Map<String, Object> manifest = Map.of("mappings", List.of(
                mapping("affinities", "lite_affinities", List.of("id"), null),
                mapping("main.mixed", "lite_mixed", List.of("id"), null),
                mapping("kv", "lite_kv", List.of("k"), null),
                mapping("kv_doubled", "lite_kv_doubled", List.of("k"), null)));
        Response response = upload(manifest, false, database, true);
        assertThat(response.status()).as(response.body()).isEqualTo(200);

        assertThat(targetTypes("lite_affinities")).containsExactly(
                List.of("id", "bigint"), List.of("i", "bigint"), List.of("r", "double precision"), List.of("t", "text"),
                List.of("b", "bytea"), List.of("n", "numeric"), List.of("u", "text"));
        assertThat(TestDatabases.query(target(), "SELECT id::text, i::text, r::text, t, b::text, n::text, u FROM acme.lite_affinities ORDER BY id"))
                .containsExactly(
                        List.of("1", "9223372036854775807", "0.30000000000000004", "tab\tnl\nbs\\cr\r😀", "\\x00ff", "12.5", "untyped"),
                        List.of("2", "-9223372036854775808", "-1e+300", "", "\\x", "42", "x"),
                        java.util.Arrays.asList("3", null, null, null, null, null, null));

        assertThat(targetTypes("lite_mixed")).containsExactly(List.of("id", "bigint"), List.of("v", "text"));
        assertThat(TestDatabases.query(target(), "SELECT v FROM acme.lite_mixed ORDER BY id"))
                .containsExactly(List.of("5"), List.of("five"), List.of("2.5"), List.of("\\x01"));
        JsonNode mixed = response.json().get("mappings").get(1);
        assertThat(mixed.get("warnings").toString()).contains("column v").contains("INTEGER affinity").contains("copied as text");

        assertThat(TestDatabases.query(target(), "SELECT k, v::text FROM acme.lite_kv ORDER BY k COLLATE \"C\""))
                .containsExactly(List.of("a", "1"), List.of("b", "2"), List.of("é", "3"));
        assertThat(TestDatabases.query(target(), "SELECT k, v2::text FROM acme.lite_kv_doubled ORDER BY k COLLATE \"C\""))
                .containsExactly(List.of("a", "2"), List.of("b", "4"), List.of("é", "6"));

        Response again = upload(Map.of("mappings", List.of(mapping("kv", "lite_kv", List.of("k"), null))), true, database, true);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("mappings").get(0).get("rows_changed").asLong()).isZero();
    }

    @Test
    void aFileThatIsNotSqliteIs422OnDatabase() {
        Response response = upload(Map.of("mappings", List.of(mapping("kv", "lite_nothing", List.of("k"), null))), false,
                "PGDMP this is not an SQLite file at all".getBytes(StandardCharsets.UTF_8), true);
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("database");
        assertThat(tableExists(target(), "acme.lite_nothing")).isFalse();
    }

    @Test
    void anUploadOverTheLimitIs413WithOrWithoutALength() {
        byte[] big = new byte[(int) MAX_UPLOAD_BYTES + 1024];
        System.arraycopy(database, 0, big, 0, 16);
        Map<String, Object> manifest = Map.of("mappings", List.of(mapping("kv", "lite_too_big", List.of("k"), null)));
        Response withLength = upload(manifest, false, big, true);
        assertThat(withLength.status()).as(withLength.body()).isEqualTo(413);
        Response streamed = upload(manifest, false, big, false);
        assertThat(streamed.status()).as(streamed.body()).isEqualTo(413);
        assertThat(tableExists(target(), "acme.lite_too_big")).isFalse();
    }

    @Test
    void aManifestWithASourceOrABodyThatIsNotMultipartIsRefused() {
        Response withSource = upload(Map.of("source", Map.of("host", "x"),
                "mappings", List.of(mapping("kv", "lite_with_source", List.of("k"), null))), false, database, true);
        assertThat(withSource.status()).as(withSource.body()).isEqualTo(400);
        assertThat(withSource.json().get("errors").get(0).get("field").asText()).isEqualTo("source");

        Response json = send("application/json", "{}".getBytes(StandardCharsets.UTF_8), true);
        assertThat(json.status()).as(json.body()).isEqualTo(415);
    }

    @Test
    void anUnknownTableIs422OnSourceTable() {
        Response response = upload(Map.of("mappings", List.of(mapping("nope", "lite_nope", List.of("id"), null))), false, database, true);
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].source_table");
    }

    private List<List<String>> targetTypes(String table) {
        return TestDatabases.query(target(), "SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                + "WHERE a.attrelid = ('acme.' || ?)::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", table);
    }

    /** A multipart upload: the manifest as a form field or a file part, the database as a file part. */
    private Response upload(Map<String, Object> manifest, boolean manifestAsFile, byte[] file, boolean withLength) {
        String boundary = "----originchain-test-boundary-7d1f";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(("--" + boundary + "\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(("Content-Disposition: form-data; name=\"manifest\"" + (manifestAsFile ? "; filename=\"manifest.json\"\r\n"
                    + "Content-Type: application/json" : "") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(json.writeValueAsBytes(manifest));
            body.write(("\r\n--" + boundary + "\r\n"
                    + "Content-Disposition: form-data; name=\"database\"; filename=\"shop.sqlite\"\r\n"
                    + "Content-Type: application/vnd.sqlite3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(file);
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return send("multipart/form-data; boundary=" + boundary, body.toByteArray(), withLength);
    }

    private Response send(String contentType, byte[] body, boolean withLength) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/sqlite/sync"))
                .header("Content-Type", contentType)
                .header("Authorization", "Bearer " + ACME_TOKEN)
                .POST(withLength ? HttpRequest.BodyPublishers.ofByteArray(body)
                        : HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode parsed;
            try {
                parsed = json.readTree(response.body());
            } catch (IOException e) {
                parsed = null;
            }
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    null, response.body(), parsed);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
