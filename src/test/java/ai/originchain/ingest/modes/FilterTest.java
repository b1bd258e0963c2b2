package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** filter over HTTP: each op and nesting reads exactly what the same SQL selects at the source; bad and hostile input. */
class FilterTest extends ConnectorTest {

    private static final String TABLE = "public.filtered";

    @BeforeAll
    static void sourceTable() {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS " + TABLE, "DROP TABLE IF EXISTS public.victim",
                "CREATE TABLE " + TABLE + " (id int PRIMARY KEY, status text, amount numeric(10,2), day date, "
                        + "seen timestamptz, flag boolean)",
                "INSERT INTO " + TABLE + " SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE (ARRAY['new', 'paid', 'shipped'])[g % 3 + 1] END, "
                        + "CASE WHEN g % 11 = 0 THEN NULL ELSE g * 1.5 END, DATE '2026-01-01' + g, "
                        + "TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 hour', g % 2 = 0 FROM generate_series(1, 200) g",
                "INSERT INTO " + TABLE + " VALUES (1000, 'O''Brien \\ '''' \"x\"', 1, '2026-01-01', now(), true)",
                "CREATE TABLE public.victim (id int)", "GRANT SELECT ON " + TABLE + ", public.victim TO readonly");
    }

    private Response sync(String target, Object filter) {
        Map<String, Object> m = new LinkedHashMap<>(mapping(TABLE, target, List.of("id"), null));
        m.put("filter", filter);
        return post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(m)));
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

    /** The filter reads exactly the rows {@code where} selects at the source, and the report counts them. */
    private void assertReads(String target, Object filter, String where) {
        TestDatabases.execute(target(), "DROP TABLE IF EXISTS acme." + target);
        Response response = sync(target, filter);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        String expected = TestDatabases.single(source(), "SELECT count(*) FROM " + TABLE + " WHERE " + where);
        assertThat(response.json().get("mappings").get(0).get("rows_read").asText()).as(where).isEqualTo(expected);
        String columns = "id, status, amount, day, seen, flag";
        assertThat(fingerprint(target(), "acme." + target, columns, "id")).as(where)
                .isEqualTo(fingerprint(source(), "(SELECT * FROM " + TABLE + " WHERE " + where + ") s", columns, "id"));
    }

    @Test
    void eachOpReadsWhatTheSameSqlSelects() {
        assertReads("f_eq", leaf("status", "=", "paid"), "status = 'paid'");
        assertReads("f_ne", leaf("status", "!=", "paid"), "status <> 'paid'");
        assertReads("f_lt", leaf("amount", "<", 30), "amount < 30");
        assertReads("f_le", leaf("amount", "<=", "30.00"), "amount <= 30");
        assertReads("f_gt", leaf("day", ">", "2026-06-01"), "day > '2026-06-01'");
        assertReads("f_ge", leaf("seen", ">=", "2026-01-05T10:00:00Z"), "seen >= '2026-01-05 10:00:00+00'");
        assertReads("f_in", leaf("status", "in", List.of("paid", "shipped")), "status IN ('paid', 'shipped')");
        assertReads("f_not_in", leaf("status", "not_in", List.of("paid")), "status NOT IN ('paid')");
        assertReads("f_null", leaf("amount", "is_null", null), "amount IS NULL");
        assertReads("f_not_null", leaf("status", "is_not_null", null), "status IS NOT NULL");
        assertReads("f_bool", leaf("flag", "=", true), "flag = true");
    }

    @Test
    void nestingAndThreeValuedLogicAreSqls() {
        assertReads("f_all", Map.of("all", List.of(leaf("status", "=", "paid"), leaf("amount", ">", 100))),
                "status = 'paid' AND amount > 100");
        assertReads("f_any", Map.of("any", List.of(leaf("status", "=", "new"), leaf("amount", "is_null", null))),
                "status = 'new' OR amount IS NULL");
        // NOT of = skips the rows whose status is NULL, as SQL's WHERE does.
        assertReads("f_not", Map.of("not", leaf("status", "=", "new")), "NOT (status = 'new')");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.f_not WHERE status IS NULL")).isEqualTo("0");
        assertReads("f_nested", Map.of("not", Map.of("any", List.of(
                        Map.of("all", List.of(leaf("status", "in", List.of("paid", "new")), leaf("flag", "=", false))),
                        leaf("amount", "<", 50)))),
                "NOT ((status IN ('paid', 'new') AND flag = false) OR amount < 50)");
    }

    @Test
    void hostileValuesAndColumnsChangeNothing() {
        String victims = TestDatabases.single(source(), "SELECT count(*) FROM pg_class WHERE relname IN ('victim', 'filtered')");
        assertReads("f_inject", leaf("status", "=", "x'); DROP TABLE public.victim; --"), "false");
        assertReads("f_inject2", leaf("status", "in", List.of("paid\\' OR 1=1 --", "E'\\x27")), "false");
        // The value that holds quotes and backslashes is matched exactly, as data.
        assertReads("f_quotes", leaf("status", "=", "O'Brien \\ '' \"x\""), "id = 1000");

        Response column = sync("f_inject_col", leaf("status\"; DROP TABLE public.victim; --", "=", "x"));
        assertThat(column.status()).as(column.body()).isEqualTo(422);
        assertThat(column.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.column");
        Response op = sync("f_inject_op", leaf("status", "= 'x' OR true --", "x"));
        assertThat(op.status()).as(op.body()).isEqualTo(400);
        assertThat(op.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.op");

        assertThat(TestDatabases.single(source(), "SELECT count(*) FROM pg_class WHERE relname IN ('victim', 'filtered')"))
                .isEqualTo(victims).isEqualTo("2");
        assertThat(tableExists(target(), "acme.f_inject_col")).isFalse();
        assertThat(tableExists(target(), "acme.f_inject_op")).isFalse();
    }

    @Test
    void aBadLeafIsRefusedNamingItsExactPathAndNothingIsWritten() {
        JsonNode value = sync("f_bad_value", Map.of("all", List.of(leaf("status", "=", "paid"), leaf("amount", ">", "lots"))))
                .json();
        assertThat(value.get("status").asInt()).isEqualTo(422);
        assertThat(value.get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.all[1].value");

        JsonNode column = sync("f_bad_column", Map.of("any", List.of(leaf("status", "=", "paid"),
                Map.of("not", leaf("nope", "=", 1))))).json();
        assertThat(column.get("status").asInt()).isEqualTo(422);
        assertThat(column.get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.any[1].not.column");

        JsonNode op = sync("f_bad_op", Map.of("all", List.of(leaf("status", "like", "p%")))).json();
        assertThat(op.get("status").asInt()).isEqualTo(400);
        assertThat(op.get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.all[0].op");

        JsonNode inDate = sync("f_bad_date", leaf("day", "in", List.of("2026-01-02", "not a date"))).json();
        assertThat(inDate.get("status").asInt()).isEqualTo(422);
        assertThat(inDate.get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.value");

        JsonNode nullValue = sync("f_bad_null", Map.of("column", "status", "op", "=")).json();
        assertThat(nullValue.get("status").asInt()).isEqualTo(400);
        assertThat(nullValue.get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.value");

        for (String table : List.of("f_bad_value", "f_bad_column", "f_bad_op", "f_bad_date", "f_bad_null")) {
            assertThat(tableExists(target(), "acme." + table)).as(table).isFalse();
        }
    }
}
