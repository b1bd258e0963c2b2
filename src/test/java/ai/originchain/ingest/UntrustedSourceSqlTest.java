package ai.originchain.ingest;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.HostileSource;
import ai.originchain.ingest.support.TestDatabases;

/**
 * A source is untrusted: a server that answers the catalog with SQL in its type names, or quotes a
 * filter's values with SQL in them, runs nothing at the target store. The source here is a real
 * wire-protocol peer ({@link HostileSource}) that rewrites what the embedded server answers.
 */
class UntrustedSourceSqlTest extends ConnectorTest {

    private static final String MARKER = "public.pwned_marker";
    /** After a type name in CREATE TABLE's column list. */
    private static final String INJECTED = "); CREATE TABLE " + MARKER + " (); --";
    /** After a type name in ALTER TABLE … ADD COLUMN. */
    private static final String INJECTED_IN_ALTER = "; CREATE TABLE " + MARKER + " (); --";

    /** A column name that closes a quoted identifier and the column list. */
    private static final String HOSTILE_NAME = "w\" text" + INJECTED;

    private static HostileSource hostile;

    @BeforeAll
    static void startHostileSource() {
        hostile = new HostileSource(dbs);
        TestDatabases.execute(plain(), "DROP TABLE IF EXISTS public.hostile_types, public.hostile_grown, public.hostile_filtered",
                "CREATE TABLE public.hostile_types (id int PRIMARY KEY, qty smallint, amount numeric(12,2))",
                "INSERT INTO public.hostile_types SELECT g, g, g * 1.5 FROM generate_series(1, 20) g",
                "CREATE TABLE public.hostile_grown (id int PRIMARY KEY, note text)",
                "INSERT INTO public.hostile_grown SELECT g, 'n' || g FROM generate_series(1, 20) g",
                "CREATE TABLE public.hostile_filtered (id int PRIMARY KEY, status text)",
                "GRANT SELECT ON public.hostile_types, public.hostile_grown, public.hostile_filtered TO readonly");
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public.globex_after",
                "CREATE TABLE public.globex_after (id int PRIMARY KEY, v text)",
                "INSERT INTO public.globex_after SELECT g, 'v' || g FROM generate_series(1, 10) g",
                "GRANT SELECT ON public.globex_after TO readonly");
    }

    @AfterAll
    static void stopHostileSource() {
        hostile.close();
    }

    @BeforeEach
    @AfterEach
    void honestAndClean() {
        hostile.honest();
        TestDatabases.execute(target(), "DROP TABLE IF EXISTS " + MARKER,
                "DROP TABLE IF EXISTS acme.hostile_first, acme.hostile_plain, acme.hostile_grown, acme.hostile_mirror");
        TestDatabases.execute(plain(), "ALTER TABLE public.hostile_grown DROP COLUMN IF EXISTS extra");
    }

    private static DataSource plain() {
        return dbs.plainSource.getDatabase("postgres", TestDatabases.SOURCE_DB);
    }

    private Response syncThroughHostile(Map<String, Object> mapping) {
        return post("acme", ACME_TOKEN, Map.of("source", hostile.sourceBlock(), "mappings", List.of(mapping)));
    }

    /** The smallint type, as the source's catalog names it (format_type and typname), with SQL after it. */
    private void injectIntoSmallint(String sql) {
        hostile.rewriteDataRowFields(v -> "smallint".equals(v) || "int2".equals(v) ? v + sql : v);
    }

    private void assertNothingRanAndOthersStillSync() {
        assertThat(tableExists(target(), MARKER)).as("the marker the injected SQL creates").isFalse();
        TestDatabases.execute(target(), "DROP TABLE IF EXISTS globex.after_hostile");
        Response other = post("globex", GLOBEX_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.globex_after", "after_hostile", List.of("id"), null))));
        assertThat(other.status()).as(other.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM globex.after_hostile")).isEqualTo("10");
    }

    private static void assertRefusedColumn(Response response, String field, String column) {
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode error = response.json().get("errors").get(0);
        assertThat(error.get("field").asText()).isEqualTo(field);
        assertThat(error.get("message").asText()).contains("'" + column + "'").contains("not a built-in type");
    }

    @Test
    void aTypeNameWithSqlInItIsRefusedOnAFirstSync() {
        injectIntoSmallint(INJECTED);
        Response response = syncThroughHostile(mapping("public.hostile_types", "hostile_first", List.of("id"), null));

        assertRefusedColumn(response, "mappings[0].source_table", "qty");
        assertThat(tableExists(target(), "acme.hostile_first")).isFalse();
        assertNothingRanAndOthersStillSync();
    }

    @Test
    void theSourcesTextOfATypeNeverReachesTheTarget() {
        // Only format_type's text is hostile: the target names the type from its own catalog.
        hostile.replaceInDataRows("smallint", "smallint" + INJECTED);
        Response response = syncThroughHostile(mapping("public.hostile_types", "hostile_plain", List.of("id"), List.of("id", "qty")));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'acme.hostile_plain'::regclass AND attname = 'qty'")).isEqualTo("smallint");
        assertThat(fingerprint(target(), "acme.hostile_plain", "id, qty", "id"))
                .isEqualTo(fingerprint(plain(), "public.hostile_types", "id, qty", "id"));
        assertNothingRanAndOthersStillSync();
    }

    @Test
    void aTypeModifierNoServerReportsIsRefused() {
        // numeric(12,2) is atttypmod 786438; 5 would make numeric(0,1), which no table may have.
        hostile.replaceInDataRows("786438", "5");
        Response response = syncThroughHostile(mapping("public.hostile_types", "hostile_first", List.of("id"), List.of("id", "amount")));

        assertThat(response.status()).as(response.body()).isEqualTo(422);
        JsonNode error = response.json().get("errors").get(0);
        assertThat(error.get("field").asText()).isEqualTo("mappings[0].columns[1]");
        assertThat(error.get("message").asText()).contains("'amount'").contains("refuses");
        assertThat(tableExists(target(), "acme.hostile_first")).isFalse();
    }

    @Test
    void aTypeNameWithSqlInItIsRefusedForANewColumnOfAnExistingTable() {
        Map<String, Object> mapping = mapping("public.hostile_grown", "hostile_grown", List.of("id"), null);
        Response first = syncThroughHostile(mapping);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        TestDatabases.execute(plain(), "ALTER TABLE public.hostile_grown ADD COLUMN extra smallint DEFAULT 7");

        injectIntoSmallint(INJECTED_IN_ALTER);
        Response grown = syncThroughHostile(mapping);

        assertRefusedColumn(grown, "mappings[0].source_table", "extra");
        assertThat(TestDatabases.query(target(), "SELECT attname FROM pg_attribute WHERE attrelid = 'acme.hostile_grown'::regclass "
                + "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")).containsExactly(List.of("id"), List.of("note"));
        assertNothingRanAndOthersStillSync();
    }

    @Test
    void aMirrorsFilterValuesAreQuotedByTheServiceNotTheSource() {
        TestDatabases.execute(plain(), "TRUNCATE public.hostile_filtered",
                "INSERT INTO public.hostile_filtered SELECT g, (ARRAY['new', 'paid'])[g % 2 + 1] FROM generate_series(1, 40) g");
        // What quote_literal('paid') answers, with SQL after it: the service no longer asks for it.
        hostile.replaceInDataRows("'paid'", "'paid' OR true); CREATE TABLE " + MARKER + " (); --");
        Map<String, Object> mapping = new LinkedHashMap<>(mapping("public.hostile_filtered", "hostile_mirror", List.of("id"), null));
        mapping.put("mode", "mirror");
        mapping.put("filter", Map.of("column", "status", "op", "=", "value", "paid"));
        mapping.put("max_delete_fraction", 1);

        Response first = syncThroughHostile(mapping);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        TestDatabases.execute(plain(), "DELETE FROM public.hostile_filtered WHERE id IN (1, 3)",
                "UPDATE public.hostile_filtered SET status = 'new' WHERE id = 5");
        Response second = syncThroughHostile(mapping);

        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.json().get("mappings").get(0).get("rows_deleted").asInt()).isEqualTo(3);
        assertThat(fingerprint(target(), "acme.hostile_mirror", "id, status", "id"))
                .isEqualTo(fingerprint(plain(), "(SELECT * FROM public.hostile_filtered WHERE status = 'paid') s", "id, status", "id"));
        assertNothingRanAndOthersStillSync();
    }

    @Test
    void declaredColumnsAreAtMostAsManyAsATableHas() {
        List<Map<String, Object>> columns = new ArrayList<>();
        for (int i = 0; i < 1601; i++) {
            columns.add(Map.of("name", "c" + i, "type", "text"));
        }
        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.globex_after", "declared_wide", List.of("id"), null)),
                "schemas", List.of(Map.of("name", "declared_wide", "columns", columns))));

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("schemas[0].columns");
        assertThat(response.json().get("errors").get(0).get("message").asText()).contains("1600");
    }

    @Test
    void aDeclaredTypeTellsNothingOfTheTargetsCatalog() {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public.names_existing, public.names_missing",
                "CREATE TABLE public.names_existing (id int PRIMARY KEY, r text)",
                "INSERT INTO public.names_existing VALUES (1, 'acme.hostile_seen')",
                "CREATE TABLE public.names_missing (id int PRIMARY KEY, r text)",
                "INSERT INTO public.names_missing VALUES (1, 'acme.no_such_table')",
                "GRANT SELECT ON public.names_existing, public.names_missing TO readonly");
        TestDatabases.execute(target(), "CREATE SCHEMA IF NOT EXISTS acme", "CREATE TABLE IF NOT EXISTS acme.hostile_seen (id int)",
                "DROP TYPE IF EXISTS public.hostile_secret_type", "CREATE TYPE public.hostile_secret_type AS (a int)");
        try {
            for (String type : List.of("regclass", "regnamespace", "regtype[]", "regrole")) {
                Response existing = declare("public.names_existing", type);
                Response missing = declare("public.names_missing", type);
                assertThat(existing.status()).as(existing.body()).isEqualTo(400);
                assertThat(existing.json().get("errors")).isEqualTo(missing.json().get("errors"));
                assertThat(existing.json().get("errors").get(0).get("field").asText()).isEqualTo("schemas[0].columns[0].type");
            }
            Response known = declare("public.names_existing", "hostile_secret_type");
            Response unknown = declare("public.names_existing", "hostile_no_such_type");
            assertThat(known.status()).as(known.body()).isEqualTo(422);
            assertThat(unknown.status()).as(unknown.body()).isEqualTo(422);
            assertThat(known.json().get("errors").get(0).get("field").asText()).isEqualTo("schemas[0].columns[0].type");
            assertThat(known.json().get("errors").get(0).get("message").asText().replace("hostile_secret_type", "X"))
                    .isEqualTo(unknown.json().get("errors").get(0).get("message").asText().replace("hostile_no_such_type", "X"));
            assertThat(tableExists(target(), "acme.declared_names")).isFalse();
        } finally {
            TestDatabases.execute(target(), "DROP TABLE IF EXISTS acme.hostile_seen", "DROP TYPE IF EXISTS public.hostile_secret_type");
        }
    }

    private Response declare(String table, String type) {
        return post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping(table, "declared_names", List.of("id"), null)),
                "schemas", List.of(Map.of("name", "declared_names", "columns", List.of(Map.of("name", "r", "type", type))))));
    }

    @Test
    void anSqliteDeclaredTypeWithSqlInItIsOnlyAnAffinity() throws IOException, SQLException {
        Path file = Files.createTempFile("hostile-sqlite", ".db");
        Files.delete(file);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            // A declared type and a column name with SQL in them.
            st.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v 'INT" + INJECTED + "', \"" + HOSTILE_NAME.replace("\"", "\"\"")
                    + "\" 'TEXT" + INJECTED + "')");
            st.execute("INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b')");
        }
        byte[] database = Files.readAllBytes(file);
        Files.delete(file);
        TestDatabases.execute(target(), "DROP TABLE IF EXISTS acme.hostile_lite");

        Response response = upload(Map.of("mappings", List.of(mapping("t", "hostile_lite", List.of("id"), null))), database);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(TestDatabases.query(target(), "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'acme.hostile_lite'::regclass AND attnum > 0 ORDER BY attnum"))
                .containsExactly(List.of("id", "bigint"), List.of("v", "bigint"), List.of(HOSTILE_NAME, "text"));
        assertThat(TestDatabases.query(target(), "SELECT id::text, v::text, \"" + HOSTILE_NAME.replace("\"", "\"\"")
                + "\" FROM acme.hostile_lite ORDER BY id"))
                .containsExactly(List.of("1", "10", "a"), List.of("2", "20", "b"));
        assertNothingRanAndOthersStillSync();
        TestDatabases.execute(target(), "DROP TABLE IF EXISTS acme.hostile_lite");
    }

    private Response upload(Map<String, Object> manifest, byte[] file) throws IOException {
        String boundary = "----originchain-hostile-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(json.writeValueAsBytes(manifest));
        body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"database\"; filename=\"t.sqlite\"\r\n"
                + "Content-Type: application/vnd.sqlite3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(file);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/sqlite/sync"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Authorization", "Bearer " + ACME_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), null,
                    response.body(), json.readTree(response.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
