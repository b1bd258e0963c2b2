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
 * key order and the anti-join fallback), the mass-delete guard, soft deletes; filters (each op, nesting,
 * three-valued logic, hostile input, errors naming the path) read what the same SQL selects at the
 * source; incremental cursors read only the changed rows plus the lookback.
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

    private static final String FILTERED = "my_filtered";

    private static void filteredTable() {
        List<String> rows = new ArrayList<>();
        String[] statuses = {"new", "paid", "shipped"};
        for (int g = 1; g <= 200; g++) {
            String status = g % 7 == 0 ? "NULL" : "'" + statuses[g % 3] + "'";
            String amount = g % 11 == 0 ? "NULL" : String.valueOf(g * 1.5);
            rows.add("(" + g + ", " + status + ", " + amount + ", DATE '2026-01-01' + INTERVAL " + g + " DAY, "
                    + "TIMESTAMP '2026-01-01 00:00:00' + INTERVAL " + g + " HOUR, " + (g % 2 == 0 ? 1 : 0) + ")");
        }
        rows.add("(1000, 'O''Brien \\\\ '''' \"x\"', 1, '2026-01-01', '2026-01-01 00:00:00', 1)");
        table(FILTERED, "id int PRIMARY KEY, status varchar(40), amount decimal(10,2), day date, seen timestamp NULL, flag tinyint(1)",
                rows);
        mysql.execute("CREATE TABLE IF NOT EXISTS victim (id int)");
    }

    private Response filtered(String target, Object filter) {
        return sync(myMapping(FILTERED, target, "upsert", "filter", filter));
    }

    private static Map<String, Object> leaf(String column, String op, Object value) {
        Map<String, Object> leaf = new LinkedHashMap<>();
        leaf.put("column", column);
        leaf.put("op", op);
        if (value != null) {
            leaf.put("value", value);
        }
        return leaf;
    }

    /** The filter reads exactly the rows {@code where} selects at the MySQL source, and the report counts them. */
    private void assertReads(String target, Object filter, String where) {
        TestDatabases.execute(target(), "DROP TABLE IF EXISTS acme." + target);
        Response response = filtered(target, filter);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<String> expected = mysqlRows("SELECT id, status, amount, day, DATE_FORMAT(seen, '%Y-%m-%d %H:%i:%s'), flag FROM "
                + FILTERED + " WHERE " + where);
        assertThat(mapping0(response).get("rows_read").asLong()).as(where).isEqualTo(expected.size());
        assertThat(targetRows("SELECT id::text, coalesce(status, 'null'), coalesce(amount::text, 'null'), day::text, "
                + "to_char(seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), flag::text FROM acme." + target))
                .as(where).isEqualTo(expected);
    }

    @Test
    void eachFilterOpAndNestingReadsWhatTheSameSqlSelects() {
        filteredTable();
        assertReads("myf_eq", leaf("status", "=", "paid"), "status = 'paid'");
        assertReads("myf_ne", leaf("status", "!=", "paid"), "status <> 'paid'");
        assertReads("myf_lt", leaf("amount", "<", 30), "amount < 30");
        assertReads("myf_le", leaf("amount", "<=", "30.00"), "amount <= 30");
        assertReads("myf_gt", leaf("day", ">", "2026-06-01"), "day > '2026-06-01'");
        assertReads("myf_ge", leaf("seen", ">=", "2026-01-05T10:00:00Z"), "seen >= '2026-01-05 10:00:00'");
        assertReads("myf_in", leaf("status", "in", List.of("paid", "shipped")), "status IN ('paid', 'shipped')");
        assertReads("myf_not_in", leaf("status", "not_in", List.of("paid")), "status NOT IN ('paid')");
        assertReads("myf_null", leaf("amount", "is_null", null), "amount IS NULL");
        assertReads("myf_not_null", leaf("status", "is_not_null", null), "status IS NOT NULL");
        assertReads("myf_flag", leaf("flag", "=", 1), "flag = 1");
        assertReads("myf_all", Map.of("all", List.of(leaf("status", "=", "paid"), leaf("amount", ">", 100))),
                "status = 'paid' AND amount > 100");
        assertReads("myf_any", Map.of("any", List.of(leaf("status", "=", "new"), leaf("amount", "is_null", null))),
                "status = 'new' OR amount IS NULL");
        // NOT of = skips the rows whose status is NULL, as SQL's WHERE does.
        assertReads("myf_not", Map.of("not", leaf("status", "=", "new")), "NOT (status = 'new')");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.myf_not WHERE status IS NULL")).isEqualTo("0");
        assertReads("myf_nested", Map.of("not", Map.of("any", List.of(
                        Map.of("all", List.of(leaf("status", "in", List.of("paid", "new")), leaf("flag", "=", 0))),
                        leaf("amount", "<", 50)))),
                "NOT ((status IN ('paid', 'new') AND flag = 0) OR amount < 50)");
    }

    @Test
    void hostileFilterInputChangesNothingAndBadLeavesNameTheirPath() {
        filteredTable();
        assertReads("myf_inject", leaf("status", "=", "x'); DROP TABLE victim; --"), "false");
        assertReads("myf_inject2", leaf("status", "in", List.of("paid\\' OR 1=1 --", "' OR '1'='1")), "false");
        assertReads("myf_quotes", leaf("status", "=", "O'Brien \\ '' \"x\""), "id = 1000");

        Response column = filtered("myf_inject_col", leaf("status`; DROP TABLE victim; --", "=", "x"));
        assertThat(column.status()).as(column.body()).isEqualTo(422);
        assertThat(column.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.column");
        Response op = filtered("myf_inject_op", leaf("status", "= 'x' OR true --", "x"));
        assertThat(op.status()).as(op.body()).isEqualTo(400);
        assertThat(op.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.op");
        Response value = filtered("myf_bad_value", Map.of("all", List.of(leaf("status", "=", "paid"), leaf("amount", ">", "lots"))));
        assertThat(value.status()).as(value.body()).isEqualTo(422);
        assertThat(value.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.all[1].value");
        Response date = filtered("myf_bad_date", leaf("day", "in", List.of("2026-01-02", "not a date")));
        assertThat(date.status()).as(date.body()).isEqualTo(422);
        assertThat(date.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.value");
        Response nested = filtered("myf_bad_column", Map.of("any", List.of(leaf("status", "=", "paid"), Map.of("not", leaf("nope", "=", 1)))));
        assertThat(nested.status()).as(nested.body()).isEqualTo(422);
        assertThat(nested.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.any[1].not.column");

        assertThat(mysqlRows("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' "
                + "AND TABLE_NAME IN ('victim', 'my_filtered')")).containsExactly("2");
        for (String table : List.of("myf_inject_col", "myf_inject_op", "myf_bad_value", "myf_bad_date", "myf_bad_column")) {
            assertThat(tableExists(target(), "acme." + table)).as(table).isFalse();
        }
    }

    @Test
    void aFilteredMirrorDeletesARowThatLeavesTheFilter() {
        table("my_mir_filter", "id int PRIMARY KEY, status varchar(10)",
                numbered(1, 30, "(#, ELT(# % 3 + 1, 'new', 'paid', 'shipped'))"));
        assertThat(sync(myMapping("my_mir_filter", "my_mir_filter", "upsert")).status()).isEqualTo(200);
        mysql.execute("UPDATE my_mir_filter SET status = 'new' WHERE id = 1", "DELETE FROM my_mir_filter WHERE id IN (2, 3)");
        Response response = sync(myMapping("my_mir_filter", "my_mir_filter", "mirror",
                "filter", leaf("status", "in", List.of("paid", "shipped"))));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        // id 1 left the filter, id 2 (shipped) was deleted; id 3 ('new') is out of scope and stays.
        assertThat(mapping0(response).get("rows_deleted").asLong()).isEqualTo(2);
        assertThat(TestDatabases.query(target(), "SELECT id::text, status FROM acme.my_mir_filter WHERE id <= 3 ORDER BY id"))
                .containsExactly(List.of("3", "new"));
        assertThat(targetRows("SELECT id::text, status FROM acme.my_mir_filter WHERE status IN ('paid', 'shipped')"))
                .isEqualTo(mysqlRows("SELECT id, status FROM my_mir_filter WHERE status IN ('paid', 'shipped')"));
    }

    @Test
    void incrementalReadsOnlyTheChangedRowsPlusTheLookbackAndConverges() {
        table("my_inc", "id int PRIMARY KEY, v varchar(20), updated_at datetime",
                numbered(1, 100, "(#, 'v#', TIMESTAMP '2026-11-01 10:00:00' + INTERVAL # MINUTE)"));
        Map<String, Object> m = myMapping("my_inc", "my_inc", "incremental", "cursor", Map.of("column", "updated_at", "lookback", "PT5M"));
        Response first = sync(m);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(mapping0(first).get("rows_read").asLong()).isEqualTo(100);
        assertThat(mapping0(first).get("cursor_from").isNull()).isTrue();
        assertThat(mapping0(first).get("cursor_to").asText()).isEqualTo("2026-11-01 11:40:00");

        mysql.execute("UPDATE my_inc SET v = 'changed', updated_at = '2026-11-01 12:00:00' WHERE id IN (3, 4, 50)",
                "INSERT INTO my_inc VALUES (101, 'new', '2026-11-01 12:30:00')");
        Response second = sync(m);
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        // 3 changed + 1 new, and the 5-minute window before the mark: 11:35..11:40 holds ids 95..100.
        assertThat(mapping0(second).get("rows_read").asLong()).isEqualTo(4 + 6);
        assertThat(mapping0(second).get("rows_changed").asLong()).isEqualTo(4);
        assertThat(mapping0(second).get("cursor_from").asText()).isEqualTo("2026-11-01 11:40:00");
        assertThat(mapping0(second).get("cursor_to").asText()).isEqualTo("2026-11-01 12:30:00");
        assertThat(targetRows("SELECT id::text, v, updated_at::text FROM acme.my_inc"))
                .isEqualTo(mysqlRows("SELECT id, v, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s') FROM my_inc"));

        Response third = sync(m);
        assertThat(mapping0(third).get("rows_read").asLong()).isEqualTo(1);
        assertThat(mapping0(third).get("rows_changed").asLong()).isZero();
        assertThat(mapping0(third).get("cursor_to").asText()).isEqualTo("2026-11-01 12:30:00");
    }

    @Test
    void incrementalWithANumericCursorAndAFilterAndItsRefusals() {
        table("my_inc_num", "id int PRIMARY KEY, version bigint unsigned NOT NULL, v varchar(5), doc json",
                numbered(1, 50, "(#, #, 'v', '{}')"));
        Map<String, Object> m = myMapping("my_inc_num", "my_inc_num", "incremental", "cursor", Map.of("column", "version", "lookback", 2),
                "filter", leaf("id", "<=", 40));
        Response first = sync(m);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(mapping0(first).get("cursor_to").asText()).isEqualTo("40");
        mysql.execute("UPDATE my_inc_num SET version = 60, v = 'w' WHERE id IN (7, 45)");
        Response second = sync(m);
        assertThat(mapping0(second).get("rows_read").asLong()).isEqualTo(4); // versions 38, 39, 40 and 60 (id 45 is filtered out)
        assertThat(mapping0(second).get("cursor_to").asText()).isEqualTo("60");
        assertThat(TestDatabases.single(target(), "SELECT v FROM acme.my_inc_num WHERE id = 7")).isEqualTo("w");

        Response json = sync(myMapping("my_inc_num", "my_inc_json", "incremental", "cursor", Map.of("column", "doc")));
        assertThat(json.status()).as(json.body()).isEqualTo(422);
        assertThat(json.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].cursor.column");
        Response duration = sync(myMapping("my_inc_num", "my_inc_duration", "incremental",
                "cursor", Map.of("column", "version", "lookback", "PT5M")));
        assertThat(duration.status()).as(duration.body()).isEqualTo(422);
        assertThat(duration.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].cursor.lookback");
    }

    static String joined(List<List<String>> rows) {
        return rows.stream().map(r -> String.join("|", r)).collect(Collectors.joining(","));
    }
}
