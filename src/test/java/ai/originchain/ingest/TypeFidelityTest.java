package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Lose nothing: one source table with a column of every type the type map names, rows holding the
 * edge values each type has, synced, then every value compared on both sides as text.
 */
class TypeFidelityTest extends ConnectorTest {

    /** Column name, type, and the edge values (SQL literals) its rows hold; NULL is added to every column. */
    record Col(String name, String type, String... values) {
    }

    static final List<Col> COLUMNS = List.of(
            new Col("c_smallint", "smallint", "-32768", "32767", "0"),
            new Col("c_integer", "integer", "-2147483648", "2147483647"),
            new Col("c_bigint", "bigint", "-9223372036854775808", "9223372036854775807"),
            new Col("c_numeric", "numeric", "'NaN'", "'Infinity'", "'-Infinity'", "repeat('9', 1000)::numeric",
                    "('0.' || repeat('0', 500) || '1')::numeric", "1.10", "-0.000"),
            new Col("c_numeric_12_2", "numeric(12,2)", "9999999999.99", "-0.01", "'NaN'"),
            new Col("c_real", "real", "'NaN'", "'Infinity'", "'-Infinity'", "'-0'", "3.4028235e38", "1.4e-45", "0.1"),
            new Col("c_double", "double precision", "'NaN'", "'-Infinity'", "'-0'", "1.7976931348623157e308",
                    "4.9e-324", "0.1", "2.2250738585072014e-308"),
            new Col("c_money", "money", "'-92233720368547758.08'", "'92233720368547758.07'", "12.34"),
            new Col("c_text", "text", "''", "E'tab\\there\\nnewline \\\\ backslash'", "'quote '' and \"dq\"'",
                    "'ünïcödé ✓ 𝄞'", "repeat('long ', 2000)"),
            new Col("c_varchar", "varchar(20)", "'abc'", "''", "'twenty chars exactly'"),
            new Col("c_char", "char(5)", "'a'", "'abcde'", "' '"),
            new Col("c_bytea", "bytea", "'\\x00ff10'::bytea", "''::bytea", "decode(repeat('ab', 3000), 'hex')"),
            new Col("c_boolean", "boolean", "true", "false"),
            new Col("c_date", "date", "'infinity'", "'-infinity'", "'4713-01-01 BC'", "'5874897-12-31'", "'2000-02-29'"),
            new Col("c_timestamp", "timestamp", "'infinity'", "'-infinity'", "'0044-03-15 12:00:00.123456 BC'",
                    "'294276-12-31 23:59:59.999999'", "'2026-11-24 10:00:00.000001'"),
            new Col("c_timestamptz", "timestamptz", "'infinity'", "'-infinity'", "'1900-01-01 00:00:00+05:53:28'",
                    "'2026-03-29 01:30:00.5+00'", "'0100-01-01 00:00:00+00 BC'"),
            new Col("c_time", "time", "'00:00'", "'24:00'", "'23:59:59.999999'"),
            new Col("c_timetz", "timetz", "'00:00+15:59'", "'23:59:59.999999-15:59'", "'12:00+05:30'"),
            new Col("c_interval", "interval", "'178000000 years'", "'-1 day -00:00:00.000001'",
                    "'1 mon 2 days 03:04:05.678'", "'P1Y2M3DT4H5M6S'"),
            new Col("c_uuid", "uuid", "'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"),
            new Col("c_json", "json", "'{\"b\": 1,   \"a\": [1, 2.50, null], \"a\": \"dup key kept\"}'", "'\"just a string\"'",
                    "'  [ ]  '"),
            new Col("c_jsonb", "jsonb", "'{\"b\": 1, \"a\": {\"n\": 1.000e3, \"s\": \"\\u00e9\"}}'", "'[]'", "'null'"),
            new Col("c_xml", "xml", "'<a b=\"1\">text &amp; more<c/></a>'", "'plain content'"),
            new Col("c_inet", "inet", "'192.168.0.1/24'", "'::ffff:1.2.3.4'", "'2001:db8::1/128'"),
            new Col("c_cidr", "cidr", "'10.0.0.0/8'", "'2001:db8::/32'"),
            new Col("c_macaddr", "macaddr", "'08:00:2b:01:02:03'"),
            new Col("c_macaddr8", "macaddr8", "'08:00:2b:01:02:03:04:05'"),
            new Col("c_bit", "bit(4)", "B'1010'", "B'0000'"),
            new Col("c_varbit", "bit varying(8)", "B'1'", "B''"),
            new Col("c_tsvector", "tsvector", "'a fat:2 cat:1A,3B'", "''"),
            new Col("c_tsquery", "tsquery", "'fat & (rat | !cat)'", "'a:* <-> b'"),
            new Col("c_point", "point", "'(1.5,-2)'", "'(NaN,Infinity)'"),
            new Col("c_line", "line", "'{1,-1,0}'"),
            new Col("c_lseg", "lseg", "'[(0,0),(1,1)]'"),
            new Col("c_box", "box", "'(1,1),(0,0)'"),
            new Col("c_path", "path", "'[(0,0),(1,1),(2,0)]'", "'((0,0),(1,1))'"),
            new Col("c_polygon", "polygon", "'((0,0),(1,1),(1,0))'"),
            new Col("c_circle", "circle", "'<(0,0),1.5>'"),
            new Col("c_int4range", "int4range", "'[1,10)'", "'empty'", "'(,5]'"),
            new Col("c_tstzrange", "tstzrange", "'[2026-01-01 00:00+00,infinity)'", "'empty'"),
            new Col("c_numrange", "numrange", "'(-1.5,2.25]'"),
            new Col("c_int4multirange", "int4multirange", "'{[1,3), [5,8)}'", "'{}'"),
            new Col("c_oid", "oid", "0", "4294967295"),
            new Col("c_int_array2d", "integer[]", "'{{1,2},{3,NULL}}'", "'{}'", "'[0:1]={7,8}'"),
            new Col("c_text_array", "text[]", "ARRAY['a,b', 'quote\"d', 'back\\slash', NULL, '', 'NULL', ' sp ']"),
            new Col("c_numeric_array", "numeric(10,2)[]", "'{1.10,NaN,-0.01}'"),
            new Col("c_uuid_array", "uuid[]", "ARRAY['00000000-0000-0000-0000-000000000001'::uuid, NULL]"),
            new Col("c_jsonb_array", "jsonb[]", "ARRAY['{\"a\": 1}'::jsonb, '[]'::jsonb]"),
            new Col("c_timestamptz_array", "timestamptz[]", "ARRAY['infinity'::timestamptz, '2026-01-01 00:00+00']"),
            new Col("c_mood", "fid_mood", "'happy'", "'it''s, complicated'"),
            new Col("c_mood_array", "fid_mood[]", "ARRAY['sad', 'it''s, complicated']::fid_mood[]"),
            new Col("c_positive", "fid_positive", "0.01", "99999999.99"),
            new Col("c_address", "fid_address", "ROW('Main St, 1', 12345, NULL)::fid_address"),
            new Col("c_citext", "citext", "'MiXeD Case'"),
            new Col("c_hstore", "hstore", "'a=>1, \"b c\"=>NULL, \"q\\\"\"=>\"x\"'"));

    static int rowCount;

    @BeforeAll
    static void createTheTableOfEveryType() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.fidelity",
                "DROP TYPE IF EXISTS fid_mood CASCADE",
                "DROP DOMAIN IF EXISTS fid_positive CASCADE",
                "DROP TYPE IF EXISTS fid_address CASCADE",
                "CREATE EXTENSION IF NOT EXISTS citext",
                "CREATE EXTENSION IF NOT EXISTS hstore",
                "CREATE TYPE fid_mood AS ENUM ('sad', 'happy', 'it''s, complicated')",
                "CREATE DOMAIN fid_positive AS numeric(10,2) CHECK (VALUE > 0)",
                "CREATE TYPE fid_address AS (street text, zip int, note text)");
        StringBuilder ddl = new StringBuilder("CREATE TABLE public.fidelity (id int PRIMARY KEY");
        COLUMNS.forEach(c -> ddl.append(", ").append(c.name()).append(' ').append(c.type()));
        TestDatabases.execute(dbs.source(), ddl.append(')').toString(), "GRANT SELECT ON public.fidelity TO readonly");
        // Row 0 is NULL everywhere; row k holds each column's k-th edge value (NULL where a column has fewer).
        int rows = COLUMNS.stream().mapToInt(c -> c.values().length).max().orElse(0);
        List<String> inserts = new ArrayList<>();
        inserts.add("INSERT INTO public.fidelity (id) VALUES (0)");
        for (int k = 0; k < rows; k++) {
            StringBuilder names = new StringBuilder("id");
            StringBuilder values = new StringBuilder(String.valueOf(k + 1));
            for (Col c : COLUMNS) {
                if (k < c.values().length) {
                    names.append(", ").append(c.name());
                    values.append(", ").append(c.values()[k]);
                }
            }
            inserts.add("INSERT INTO public.fidelity (" + names + ") VALUES (" + values + ")");
        }
        TestDatabases.execute(dbs.source(), inserts.toArray(String[]::new));
        rowCount = rows + 1;
    }

    private Response sync() {
        return post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.fidelity", "fidelity", List.of("id"), null))));
    }

    /** Every column's values as text, and whether NULL, per row: compared cell by cell across the two servers. */
    private static List<List<String>> cells(javax.sql.DataSource db, String table) {
        StringBuilder sql = new StringBuilder("SELECT id::text");
        COLUMNS.forEach(c -> sql.append(", ").append(c.name()).append("::text"));
        return TestDatabases.query(db, sql.append(" FROM ").append(table).append(" ORDER BY id").toString());
    }

    @Test
    void everyValueOfEveryTypeArrivesUnchangedAndASecondRunChangesNothing() {
        Response first = sync();
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("mappings").get(0).get("rows_written").asInt()).isEqualTo(rowCount);

        List<List<String>> source = cells(source(), "public.fidelity");
        List<List<String>> target = cells(target(), "acme.fidelity");
        List<String> differences = new ArrayList<>();
        for (int r = 0; r < source.size(); r++) {
            for (int c = 1; c <= COLUMNS.size(); c++) {
                String s = source.get(r).get(c);
                String t = target.get(r).get(c);
                if (s == null ? t != null : !s.equals(t)) {
                    differences.add(COLUMNS.get(c - 1).name() + " row " + r + ": source " + s + " / target " + t);
                }
            }
        }
        assertThat(differences).isEmpty();
        assertThat(target).hasSize(rowCount);

        Response second = sync();
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.json().get("mappings").get(0).get("rows_changed").asInt()).isZero();
        assertThat(cells(target(), "acme.fidelity")).isEqualTo(target);
    }

    @Test
    void theReportWarnsOfEveryColumnWhoseRuleIsNotTheIdentity() {
        Response response = sync();
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<String> warnings = new ArrayList<>();
        for (JsonNode w : response.json().get("mappings").get(0).get("warnings")) {
            warnings.add(w.asText());
        }
        for (String column : List.of("c_mood", "c_mood_array", "c_positive", "c_address", "c_citext", "c_hstore")) {
            assertThat(warnings).as(column).anyMatch(w -> w.startsWith("column " + column + ":"));
        }
        assertThat(warnings).hasSize(6);
        assertThat(TestDatabases.query(target(), """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                 WHERE a.attrelid = 'acme.fidelity'::regclass
                   AND a.attname IN ('c_mood', 'c_mood_array', 'c_positive', 'c_address', 'c_citext', 'c_hstore')
                 ORDER BY a.attnum"""))
                .containsExactly(List.of("c_mood", "text"), List.of("c_mood_array", "text[]"),
                        List.of("c_positive", "numeric(10,2)"), List.of("c_address", "text"),
                        List.of("c_citext", "text"), List.of("c_hstore", "text"));
    }
}
