package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.support.TestMariaDb;

/**
 * Mapping modes for MySQL sources over HTTP, against the embedded MariaDB: mirror deletes (merge in
 * key order and the anti-join fallback), the mass-delete guard, soft deletes.
 */
class MySqlModesTest extends ConnectorTest {

    private static final TestMariaDb mysql = TestMariaDb.get();

    static Map<String, Object> myMapping(String table, String target, String mode, Object... extra) {
        Map<String, Object> m = new LinkedHashMap<>(mapping(table, target, List.of("id"), null));
        m.put("mode", mode);
        for (int i = 0; i < extra.length; i += 2) {
            m.put((String) extra[i], extra[i + 1]);
        }
        return m;
    }

    private static void table(String name, String columns, List<String> rows) {
        List<String> statements = new ArrayList<>(List.of("SET SESSION time_zone = '+00:00'", "DROP TABLE IF EXISTS " + name,
                "CREATE TABLE " + name + " (" + columns + ") CHARACTER SET utf8mb4"));
        if (!rows.isEmpty()) {
            statements.add("INSERT INTO " + name + " VALUES " + String.join(", ", rows));
        }
        mysql.execute(statements.toArray(String[]::new));
    }

    static List<String> numbered(int from, int to, String format) {
        return IntStream.rangeClosed(from, to).mapToObj(g -> format.replace("#", Integer.toString(g))).toList();
    }

    /** The source's values of {@code columns}, each row joined by '|', ordered as PostgreSQL orders the target's. */
    private static List<String> mysqlRows(String sql) {
        List<String> rows = new ArrayList<>();
        try (Connection c = mysql.admin(); Statement st = c.createStatement()) {
            st.execute("SET SESSION time_zone = '+00:00'");
            try (ResultSet rs = st.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(String.join("|", row));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows.stream().sorted().toList();
    }

    private List<String> targetRows(String sql) {
        return TestDatabases.query(target(), sql).stream().map(r -> String.join("|", r)).sorted().toList();
    }

    Response sync(Map<String, Object>... mappings) {
        Map<String, Object> source = Map.of("host", "localhost", "port", mysql.tlsPort, "database", TestMariaDb.DATABASE,
                "user", TestMariaDb.USER, "password", TestMariaDb.PASSWORD, "sslmode", "require");
        return postMySql(Map.of("source", source, "mappings", List.of(mappings)));
    }

    private Response postMySql(Object body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/mysql/sync"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + ACME_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build();
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

    static JsonNode mapping0(Response r) {
        return r.json().get("mappings").get(0);
    }

    @Test
    void mirrorDeletesArriveAndAreCounted() {
        table("my_mir", "id int PRIMARY KEY, name varchar(20)", numbered(1, 300, "(#, 'n#')"));
        Response first = sync(myMapping("my_mir", "my_mir", "mirror"));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(mapping0(first).get("rows_deleted").asLong()).isZero();

        mysql.execute("DELETE FROM my_mir WHERE id % 10 = 3", "UPDATE my_mir SET name = 'changed' WHERE id = 5",
                "INSERT INTO my_mir VALUES (5000, 'new')");
        Response second = sync(myMapping("my_mir", "my_mir", "mirror"));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(mapping0(second).get("rows_deleted").asLong()).isEqualTo(30);
        assertThat(mapping0(second).get("rows_changed").asLong()).isEqualTo(2);
        assertThat(targetRows("SELECT id::text, name FROM acme.my_mir")).isEqualTo(mysqlRows("SELECT id, name FROM my_mir"));

        Response again = sync(myMapping("my_mir", "my_mir", "mirror"));
        assertThat(mapping0(again).get("rows_deleted").asLong()).isZero();
        assertThat(mapping0(again).get("rows_changed").asLong()).isZero();
    }

    @Test
    void textKeysMergeInTheirByteOrderAndKeysOfOtherTypesMirrorByAntiJoin(CapturedOutput output) {
        List<String> names = List.of("'B'", "'a'", "'Z'", "'é'", "'😀'", "'a b'", "'ab'", "'A'", "'~'", "'0'", "'10'", "'9'");
        table("my_mir_text", "id varchar(20) COLLATE utf8mb4_bin PRIMARY KEY, v int", names.stream().map(n -> "(" + n + ", 1)").toList());
        table("my_mir_unsigned", "id bigint unsigned PRIMARY KEY, v int",
                List.of("(18446744073709551615, 1)", "(0, 2)", "(9223372036854775808, 3)", "(5, 4)", "(6, 5)"));
        Map<String, Object> text = myMapping("my_mir_text", "my_mir_text", "mirror");
        Map<String, Object> unsigned = myMapping("my_mir_unsigned", "my_mir_unsigned", "mirror");
        assertThat(sync(text, unsigned).status()).isEqualTo(200);

        mysql.execute("DELETE FROM my_mir_text WHERE id IN ('é', 'a b', '10')", "UPDATE my_mir_text SET v = 2 WHERE id = '😀'",
                "DELETE FROM my_mir_unsigned WHERE id IN (9223372036854775808, 5)");
        Response response = sync(text, unsigned);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("mappings").get(0).get("rows_deleted").asLong()).isEqualTo(3);
        assertThat(response.json().get("mappings").get(0).get("rows_changed").asLong()).isEqualTo(1);
        assertThat(response.json().get("mappings").get(1).get("rows_deleted").asLong()).isEqualTo(2);
        assertThat(targetRows("SELECT id, v::text FROM acme.my_mir_text")).isEqualTo(mysqlRows("SELECT id, v FROM my_mir_text"));
        assertThat(targetRows("SELECT id::text, v::text FROM acme.my_mir_unsigned"))
                .isEqualTo(mysqlRows("SELECT id, v FROM my_mir_unsigned"));
        // The text keys came in the merge's own order: it never had to fall back.
        assertThat(output.getAll()).doesNotContain("not in key order");
    }

    @Test
    void theGuardRefusesSixtyPercentDeletesAndOneLetsThemThrough() {
        table("my_guard", "id int PRIMARY KEY, name text", numbered(1, 100, "(#, 'n#')"));
        assertThat(sync(myMapping("my_guard", "my_guard", "mirror")).status()).isEqualTo(200);

        mysql.execute("DELETE FROM my_guard WHERE id <= 60");
        Response refused = sync(myMapping("my_guard", "my_guard", "mirror"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].max_delete_fraction");
        assertThat(refused.json().get("errors").get(0).get("message").asText()).contains("60 of the 100 rows");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.my_guard")).isEqualTo("100");

        Response allowed = sync(myMapping("my_guard", "my_guard", "mirror", "max_delete_fraction", 1));
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);
        assertThat(mapping0(allowed).get("rows_deleted").asLong()).isEqualTo(60);
        assertThat(targetRows("SELECT id::text, name FROM acme.my_guard")).isEqualTo(mysqlRows("SELECT id, name FROM my_guard"));
    }

    @Test
    void softDeletesKeepTheRowAndARowThatComesBackIsLiveAgain() {
        table("my_soft", "id int PRIMARY KEY, name text", numbered(1, 20, "(#, 'n#')"));
        Map<String, Object> soft = myMapping("my_soft", "my_soft", "mirror", "delete_mode", "soft");
        assertThat(sync(soft).status()).isEqualTo(200);

        mysql.execute("DELETE FROM my_soft WHERE id IN (7, 8)");
        Response deleted = sync(soft);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(mapping0(deleted).get("rows_deleted").asLong()).isEqualTo(2);
        assertThat(TestDatabases.query(target(), "SELECT id::text FROM acme.my_soft WHERE _oc_deleted_at IS NOT NULL ORDER BY id"))
                .containsExactly(List.of("7"), List.of("8"));
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.my_soft")).isEqualTo("20");

        mysql.execute("INSERT INTO my_soft VALUES (8, 'back')");
        Response back = sync(soft);
        assertThat(back.status()).as(back.body()).isEqualTo(200);
        assertThat(TestDatabases.query(target(), "SELECT id::text, name FROM acme.my_soft WHERE _oc_deleted_at IS NOT NULL"))
                .containsExactly(List.of("7", "n7"));
        assertThat(TestDatabases.single(target(), "SELECT name FROM acme.my_soft WHERE id = 8 AND _oc_deleted_at IS NULL"))
                .isEqualTo("back");
    }

    static String joined(List<List<String>> rows) {
        return rows.stream().map(r -> String.join("|", r)).collect(Collectors.joining(","));
    }
}
