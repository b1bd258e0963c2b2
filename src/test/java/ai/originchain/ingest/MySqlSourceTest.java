package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.support.TestMariaDb;

/**
 * MySQL sources, against an embedded MariaDB with TLS: every type of the MySQL type map with its edge
 * values arrives value for value, a re-sync changes nothing, TLS is checked as asked and never skipped.
 */
class MySqlSourceTest extends ConnectorTest {

    private static final TestMariaDb mysql = TestMariaDb.get();

    /** Column, MySQL type, PostgreSQL type the target gets. */
    private static final String[][] COLUMNS = {
            {"ti", "tinyint", "smallint"}, {"tiu", "tinyint unsigned", "smallint"},
            {"si", "smallint", "smallint"}, {"siu", "smallint unsigned", "integer"},
            {"mi", "mediumint", "integer"}, {"miu", "mediumint unsigned", "integer"},
            {"i", "int", "integer"}, {"iu", "int unsigned", "bigint"},
            {"bi", "bigint", "bigint"}, {"biu", "bigint unsigned", "numeric(20,0)"},
            {"flag", "tinyint(1)", "smallint"}, {"amount", "decimal(20,6)", "numeric(20,6)"},
            {"f", "float", "real"}, {"d", "double", "double precision"},
            {"b", "bit(10)", "bit(10)"}, {"b1", "bit(1)", "bit(1)"},
            {"dt", "date", "date"}, {"dtm", "datetime(3)", "timestamp(3) without time zone"},
            {"ts", "timestamp(6) NULL", "timestamp(6) with time zone"}, {"tm", "time", "interval"},
            {"yr", "year", "smallint"}, {"c", "char(5)", "character(5)"},
            {"vc", "varchar(100)", "character varying(100)"}, {"tx", "text", "text"},
            {"en", "enum('small','large')", "text"}, {"st", "set('red','green','blue')", "text[]"},
            {"js", "json", "jsonb"}, {"bn", "binary(4)", "bytea"}, {"vb", "varbinary(10)", "bytea"},
            {"bl", "blob", "bytea"}, {"g", "geometry", "bytea"}, {"uid", "uuid", "uuid"},
    };

    /** Each row: the MySQL literals, and the text PostgreSQL must show for each value (null: NULL). */
    private static final List<Object[]> ROWS = List.of(
            row(1, new String[][] {
                    {"127", "127"}, {"255", "255"}, {"32767", "32767"}, {"65535", "65535"},
                    {"8388607", "8388607"}, {"16777215", "16777215"}, {"2147483647", "2147483647"},
                    {"4294967295", "4294967295"}, {"9223372036854775807", "9223372036854775807"},
                    {"18446744073709551615", "18446744073709551615"}, {"1", "1"},
                    {"99999999999999.999999", "99999999999999.999999"}, {"3.14159", "3.14159"},
                    {"0.30000000000000004", "0.30000000000000004"}, {"b'1010101010'", "1010101010"}, {"b'1'", "1"},
                    {"'1000-01-01'", "1000-01-01"}, {"'1000-01-01 00:00:00.123'", "1000-01-01 00:00:00.123"},
                    {"'2038-01-19 03:14:07.999999'", "2038-01-19 03:14:07.999999"}, {"'838:59:59'", "838:59:59"},
                    {"2155", "2155"}, {"'ab'", "ab"}, {"'emoji 😀 ünïcode'", "emoji 😀 ünïcode"},
                    {"'tab\\there\\nnewline\\\\backslash\\rCR'", "tab\there\nnewline\\backslash\rCR"},
                    {"'large'", "large"}, {"'red,blue'", "{red,blue}"},
                    {"'{\"a\": [1, {\"b\": null, \"c\": \"d\\\\\"q\"}], \"n\": 1.5}'", "{\"a\": [1, {\"b\": null, \"c\": \"d\\\"q\"}], \"n\": 1.5}"},
                    {"0x00010203", "\\x00010203"}, {"''", "\\x"}, {"0x00ff10", "\\x00ff10"},
                    {"ST_GeomFromText('POINT(1 2)')", "\\x0101000000000000000000f03f0000000000000040"},
                    {"'123e4567-e89b-12d3-a456-426614174000'", "123e4567-e89b-12d3-a456-426614174000"}}),
            row(2, new String[][] {
                    {"-128", "-128"}, {"0", "0"}, {"-32768", "-32768"}, {"0", "0"},
                    {"-8388608", "-8388608"}, {"0", "0"}, {"-2147483648", "-2147483648"}, {"0", "0"},
                    {"-9223372036854775808", "-9223372036854775808"}, {"0", "0"}, {"0", "0"},
                    {"-0.000001", "-0.000001"}, {"-1.5", "-1.5"}, {"-1e308", "-1e+308"},
                    {"b'0'", "0000000000"}, {"b'0'", "0"},
                    {"'9999-12-31'", "9999-12-31"}, {"'9999-12-31 23:59:59.999'", "9999-12-31 23:59:59.999"},
                    {"'1970-01-01 00:00:01'", "1970-01-01 00:00:01"}, {"'-838:59:59'", "-838:59:59"},
                    {"1901", "1901"}, {"''", ""}, {"''", ""}, {"''", ""},
                    {"'small'", "small"}, {"''", "{}"}, {"'[]'", "[]"},
                    {"0xffffffff", "\\xffffffff"}, {"0x00", "\\x00"}, {"''", "\\x"},
                    {"ST_GeomFromText('LINESTRING(0 0, 1 1)')",
                            "\\x01020000000200000000000000000000000000000000000000000000000000f03f000000000000f03f"},
                    {"'00000000-0000-0000-0000-000000000000'", "00000000-0000-0000-0000-000000000000"}}));

    @BeforeAll
    static void seed() {
        List<String> definitions = new ArrayList<>();
        for (String[] column : COLUMNS) {
            definitions.add(column[0] + " " + column[1]);
        }
        List<String> statements = new ArrayList<>(List.of(
                "SET SESSION sql_mode = ''",
                "SET SESSION time_zone = '+00:00'",
                "DROP TABLE IF EXISTS every_type",
                "CREATE TABLE every_type (id int PRIMARY KEY, " + String.join(", ", definitions) + ") CHARACTER SET utf8mb4",
                "DROP TABLE IF EXISTS small",
                "CREATE TABLE small (id int PRIMARY KEY, name varchar(20))",
                "INSERT INTO small VALUES (1, 'one'), (2, 'two')"));
        for (Object[] row : ROWS) {
            String[][] values = (String[][]) row[1];
            List<String> literals = new ArrayList<>();
            for (String[] value : values) {
                literals.add(value[0]);
            }
            statements.add("INSERT INTO every_type VALUES (" + row[0] + ", " + String.join(", ", literals) + ")");
        }
        statements.add("INSERT INTO every_type (id, dt, dtm, ts) VALUES (3, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00')");
        statements.add("INSERT INTO every_type (id) VALUES (4)");
        mysql.execute(statements.toArray(String[]::new));
    }

    private static Object[] row(int id, String[][] values) {
        return new Object[] {id, values};
    }

    @Test
    void everyTypeArrivesValueForValueAndAResyncChangesNothing(CapturedOutput output) {
        Map<String, Object> body = request(source("verify-full", mysql.tlsPort, dbs.sourceCa.caPem()),
                mapping("every_type", "my_every_type", List.of("id"), null));
        Response first = postMySql("acme", body);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        JsonNode report = first.json().get("mappings").get(0);
        assertThat(report.get("source_table").asText()).isEqualTo("shop.every_type");
        assertThat(report.get("rows_written").asLong()).isEqualTo(4);
        assertThat(report.get("warnings").toString())
                .contains("column dt: 1 zero date(s)").contains("column dtm: 1 zero date(s)").contains("column ts: 1 zero date(s)")
                .contains("column g: spatial type geometry is copied as bytea holding the value's WKB");

        for (String[] column : COLUMNS) {
            assertThat(TestDatabases.single(target(), "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                    + "WHERE a.attrelid = 'acme.my_every_type'::regclass AND a.attname = ?", column[0]))
                    .as("target type of %s %s", column[0], column[1]).isEqualTo(column[2]);
        }
        for (Object[] row : ROWS) {
            String[][] values = (String[][]) row[1];
            for (int c = 0; c < COLUMNS.length; c++) {
                String name = COLUMNS[c][0];
                String expression = name.equals("ts") ? "(ts AT TIME ZONE 'UTC')::text"
                        : name.equals("js") ? "js::text, (?::jsonb)::text" : name + "::text";
                String sql = "SELECT " + expression + " FROM acme.my_every_type WHERE id = " + row[0];
                List<String> got = name.equals("js")
                        ? TestDatabases.query(target(), sql, values[c][1]).get(0)
                        : TestDatabases.query(target(), sql).get(0);
                String expected = name.equals("js") ? got.get(1) : values[c][1];
                assertThat(got.get(0)).as("row %s column %s (%s)", row[0], name, COLUMNS[c][1]).isEqualTo(expected);
            }
        }
        assertThat(TestDatabases.query(target(), "SELECT dt IS NULL AND dtm IS NULL AND ts IS NULL FROM acme.my_every_type WHERE id = 3")
                .get(0).get(0)).isEqualTo("t");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.my_every_type t, jsonb_each(to_jsonb(t)) e "
                + "WHERE t.id = 4 AND e.value = 'null'::jsonb"))
                .as("row 4 is NULL in every column but its key").isEqualTo(String.valueOf(COLUMNS.length));

        Response again = postMySql("acme", body);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("mappings").get(0).get("rows_changed").asLong()).isZero();
        assertThat(output.getAll()).doesNotContain(TestMariaDb.PASSWORD);
        assertThat(first.body() + again.body()).doesNotContain(TestMariaDb.PASSWORD);
    }

    @Test
    void verifyFullWithAnotherCaIsRefused() {
        Response response = postMySql("acme", request(source("verify-full", mysql.tlsPort, dbs.otherCa.caPem()),
                mapping("small", "my_small_other_ca", List.of("id"), null)));
        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.body()).doesNotContain(TestMariaDb.PASSWORD);
    }

    @Test
    void requireEncryptsAndATableArrivesFromTableInTheDatabase() {
        Response response = postMySql("acme", request(source("require", mysql.tlsPort, null),
                mapping("shop.small", "my_small", List.of("id"), null)));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(TestDatabases.query(target(), "SELECT id::text, name FROM acme.my_small ORDER BY id"))
                .containsExactly(List.of("1", "one"), List.of("2", "two"));
    }

    @Test
    void aServerWithoutTlsIsRefused() {
        Response response = postMySql("acme", request(source("require", mysql.plainPort, null),
                mapping("small", "my_small_plain", List.of("id"), null)));
        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(tableExists(target(), "acme.my_small_plain")).isFalse();
    }

    @Test
    void anUnknownTableIs422OnSourceTable() {
        Response response = postMySql("acme", request(source("require", mysql.tlsPort, null),
                mapping("no_such_table", "my_nothing", List.of("id"), null)));
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].source_table");
    }

    @Test
    void anAsyncSyncStuckInASourceQueryIsCancelledWithinTenSeconds() throws Exception {
        mysql.execute("CREATE OR REPLACE VIEW sleeping AS SELECT id, name FROM small WHERE SLEEP(600) = 0");
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/mysql/sync"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + ACME_TOKEN)
                .header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(request(source("require", mysql.tlsPort, null),
                        mapping("sleeping", "my_sleeping", List.of("id"), null))))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String syncId = json.readTree(accepted.body()).get("sync_id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> readerSessionsAsleep() == 1);

        HttpResponse<String> cancel = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/v1/tenants/acme/ingest/postgres/syncs/" + syncId)).DELETE().header("Authorization", "Bearer " + ACME_TOKEN)
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> json.readTree(http.send(HttpRequest.newBuilder(URI.create(
                        "http://localhost:" + port + "/v1/tenants/acme/ingest/postgres/syncs/" + syncId))
                .header("Authorization", "Bearer " + ACME_TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body())
                .path("status").asText().equals("cancelled"));
    }

    /** The test role's sessions at the MySQL source that wait in SLEEP() (a role sees its own sessions). */
    private static int readerSessionsAsleep() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", TestMariaDb.USER);
        props.setProperty("password", TestMariaDb.PASSWORD);
        props.setProperty("sslMode", "REQUIRED");
        try (Connection c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + mysql.tlsPort + "/" + TestMariaDb.DATABASE, props);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.PROCESSLIST WHERE STATE = 'User sleep'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Map<String, Object> source(String sslmode, int port, String rootCert) {
        Map<String, Object> source = new LinkedHashMap<>(Map.of("host", "localhost", "port", port,
                "database", TestMariaDb.DATABASE, "user", TestMariaDb.USER, "password", TestMariaDb.PASSWORD,
                "sslmode", sslmode));
        if (rootCert != null) {
            source.put("sslrootcert", rootCert);
        }
        return source;
    }

    private static Map<String, Object> request(Map<String, Object> source, Map<String, Object> mapping) {
        return Map.of("source", source, "mappings", List.of(mapping));
    }

    private Response postMySql(String tenant, Object body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create("http://localhost:" + port + "/v1/tenants/" + tenant + "/ingest/mysql/sync"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + ACME_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                    .build();
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
