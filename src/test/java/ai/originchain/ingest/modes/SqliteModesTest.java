package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Mapping modes for uploaded SQLite files over HTTP: a mirror deletes what a later upload lacks
 * (keys merged in order, and a key column of mixed storage classes, whose order falls back to the
 * anti-join), the mass-delete guard, soft deletes; filters and incremental are refused with 400.
 */
class SqliteModesTest extends ConnectorTest {

    /** An SQLite file made of {@code statements}. */
    private static byte[] file(String... statements) {
        try {
            Path file = Files.createTempFile("sqlite-modes-test", ".db");
            Files.delete(file);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
                for (String statement : statements) {
                    st.execute(statement);
                }
            }
            byte[] bytes = Files.readAllBytes(file);
            Files.delete(file);
            return bytes;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String SERIES = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 100) ";

    private static byte[] hundredRows(String delete) {
        return file("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
                "INSERT INTO t " + SERIES + "SELECT g, 'n' || g FROM s", delete == null ? "SELECT 1" : "DELETE FROM t WHERE " + delete);
    }

    private static Map<String, Object> mirror(String table, String target, Object... extra) {
        Map<String, Object> m = new LinkedHashMap<>(mapping(table, target, List.of("id"), null));
        m.put("mode", "mirror");
        for (int i = 0; i < extra.length; i += 2) {
            m.put((String) extra[i], extra[i + 1]);
        }
        return m;
    }

    private static JsonNode mapping0(Response r) {
        return r.json().get("mappings").get(0);
    }

    @Test
    void aMirrorDeletesWhatTheNextUploadLacks() {
        assertThat(upload(mirror("t", "sq_mir"), hundredRows(null)).status()).isEqualTo(200);
        Response second = upload(mirror("t", "sq_mir"), hundredRows("id % 10 = 3"));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(mapping0(second).get("rows_deleted").asLong()).isEqualTo(10);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.sq_mir WHERE id % 10 = 3")).isEqualTo("0");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.sq_mir")).isEqualTo("90");
        Response again = upload(mirror("t", "sq_mir"), hundredRows("id % 10 = 3"));
        assertThat(mapping0(again).get("rows_deleted").asLong()).isZero();
        assertThat(mapping0(again).get("rows_changed").asLong()).isZero();
    }

    @Test
    void aKeyOfMixedStorageClassesStillMirrorsExactly() {
        // INTEGER affinity holding text too: the key becomes text, which SQLite sorts integers-first; the merge notices and anti-joins.
        String create = "CREATE TABLE m (id INTEGER PRIMARY KEY NOT NULL, v INT) WITHOUT ROWID";
        String rows = "INSERT INTO m VALUES (9, 1), (10, 2), (100, 3), ('a', 4), ('B', 5), ('10a', 6), (2, 7)";
        Map<String, Object> m = mirror("m", "sq_mixed");
        Response first = upload(m, file(create, rows));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.sq_mixed")).isEqualTo("7");

        Response second = upload(m, file(create, rows, "DELETE FROM m WHERE id IN (10, 'B')"));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(mapping0(second).get("rows_deleted").asLong()).isEqualTo(2);
        assertThat(TestDatabases.query(target(), "SELECT id FROM acme.sq_mixed ORDER BY id COLLATE \"C\""))
                .containsExactly(List.of("100"), List.of("10a"), List.of("2"), List.of("9"), List.of("a"));
    }

    @Test
    void theGuardRefusesSixtyPercentAndSoftDeletesKeepTheRows() {
        assertThat(upload(mirror("t", "sq_guard"), hundredRows(null)).status()).isEqualTo(200);
        Response refused = upload(mirror("t", "sq_guard"), hundredRows("id <= 60"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].max_delete_fraction");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.sq_guard")).isEqualTo("100");

        Response soft = upload(mirror("t", "sq_guard", "delete_mode", "soft", "max_delete_fraction", 1), hundredRows("id <= 60"));
        assertThat(soft.status()).as(soft.body()).isEqualTo(200);
        assertThat(mapping0(soft).get("rows_deleted").asLong()).isEqualTo(60);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.sq_guard WHERE _oc_deleted_at IS NOT NULL")).isEqualTo("60");
        Response back = upload(mirror("t", "sq_guard", "delete_mode", "soft"), hundredRows(null));
        assertThat(back.status()).as(back.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.sq_guard WHERE _oc_deleted_at IS NOT NULL")).isEqualTo("0");
    }

    @Test
    void filtersAndIncrementalAreRefusedWith400() {
        Map<String, Object> filtered = mirror("t", "sq_filtered", "filter", Map.of("column", "id", "op", "<", "value", 5));
        Response filter = upload(filtered, hundredRows(null));
        assertThat(filter.status()).as(filter.body()).isEqualTo(400);
        assertThat(filter.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter");
        Map<String, Object> incremental = new LinkedHashMap<>(mapping("t", "sq_incremental", List.of("id"), null));
        incremental.put("mode", "incremental");
        incremental.put("cursor", Map.of("column", "id"));
        Response cursor = upload(incremental, hundredRows(null));
        assertThat(cursor.status()).as(cursor.body()).isEqualTo(400);
        assertThat(cursor.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].mode");
        assertThat(tableExists(target(), "acme.sq_filtered")).isFalse();
        assertThat(tableExists(target(), "acme.sq_incremental")).isFalse();
    }

    private Response upload(Map<String, Object> mapping, byte[] database) {
        String boundary = "----originchain-modes-boundary-41c2";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            body.write(json.writeValueAsBytes(Map.of("mappings", List.of(mapping))));
            body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"database\"; filename=\"shop.sqlite\"\r\n"
                    + "Content-Type: application/vnd.sqlite3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(database);
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/sqlite/sync"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .header("Authorization", "Bearer " + ACME_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode parsed;
            try {
                parsed = json.readTree(response.body());
            } catch (IOException e) {
                parsed = null;
            }
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), null,
                    response.body(), parsed);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
