package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** Reruns against a changed source or manifest, and declared target types, over HTTP. */
class SchemaEvolutionTest extends ConnectorTest {

    private Response sync(String table, String target, List<String> columns, List<Map<String, Object>> schemas) {
        Map<String, Object> body = schemas == null
                ? Map.of("source", tlsSource("require"), "mappings", List.of(mapping(table, target, List.of("id"), columns)))
                : Map.of("source", tlsSource("require"), "mappings", List.of(mapping(table, target, List.of("id"), columns)),
                        "schemas", schemas);
        return post("acme", ACME_TOKEN, body);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    private static String targetType(String table, String column) {
        return TestDatabases.single(dbs.targetStore(), "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = ?::regclass AND attname = ?", "acme." + table, column);
    }

    private void assertSameRows(String table, String columns) {
        assertThat(fingerprint(target(), "acme." + table, columns, "id"))
                .isEqualTo(fingerprint(source(), "public." + table, columns, "id"));
    }

    @Test
    void newColumnsAndWideningChangesAreAppliedAndReported() {
        TestDatabases.execute(source(), "DROP TABLE IF EXISTS public.evo",
                "CREATE TABLE public.evo (id int PRIMARY KEY, name varchar(10), qty integer, price numeric(8,2))",
                "INSERT INTO public.evo SELECT g, 'n' || g, g, g / 4.0 FROM generate_series(1, 300) g",
                "GRANT SELECT ON public.evo TO readonly");
        assertThat(sync("public.evo", "evo", List.of("id", "name", "qty"), null).status()).isEqualTo(200);

        // A column newly selected.
        Response selected = sync("public.evo", "evo", List.of("id", "name", "qty", "price"), null);
        assertThat(selected.status()).as(selected.body()).isEqualTo(200);
        assertThat(texts(selected.json().get("mappings").get(0).get("schema_changes")))
                .containsExactly("added column price numeric(8,2)");
        assertSameRows("evo", "id, name, qty, price");

        // A column added at the source, and widening changes.
        TestDatabases.execute(source(), "ALTER TABLE public.evo ADD COLUMN note text",
                "ALTER TABLE public.evo ALTER COLUMN name TYPE varchar(50), ALTER COLUMN qty TYPE bigint, "
                        + "ALTER COLUMN price TYPE numeric(12,2)",
                "UPDATE public.evo SET name = repeat('long', 10), qty = qty * 10000000000, note = 'n' WHERE id % 3 = 0");
        Response widened = sync("public.evo", "evo", null, null);
        assertThat(widened.status()).as(widened.body()).isEqualTo(200);
        assertThat(texts(widened.json().get("mappings").get(0).get("schema_changes"))).containsExactlyInAnyOrder(
                "widened column name from character varying(10) to character varying(50)",
                "widened column qty from integer to bigint",
                "widened column price from numeric(8,2) to numeric(12,2)",
                "added column note text");
        assertThat(targetType("evo", "qty")).isEqualTo("bigint");
        assertSameRows("evo", "id, name, qty, price, note");

        // varchar to text.
        TestDatabases.execute(source(), "ALTER TABLE public.evo ALTER COLUMN name TYPE text");
        Response text = sync("public.evo", "evo", null, null);
        assertThat(text.status()).as(text.body()).isEqualTo(200);
        assertThat(targetType("evo", "name")).isEqualTo("text");

        // A column no longer selected stays, and the report says so.
        Response fewer = sync("public.evo", "evo", List.of("id", "name", "qty"), null);
        assertThat(fewer.status()).as(fewer.body()).isEqualTo(200);
        assertThat(texts(fewer.json().get("mappings").get(0).get("warnings")))
                .anyMatch(w -> w.startsWith("column price of the target is no longer selected"))
                .anyMatch(w -> w.startsWith("column note of the target is no longer selected"));
        assertThat(targetType("evo", "price")).isEqualTo("numeric(12,2)");
    }

    @Test
    void aNarrowingOrIncompatibleChangeIsRefusedAndNothingIsWritten() {
        TestDatabases.execute(source(), "DROP TABLE IF EXISTS public.evo_narrow",
                "CREATE TABLE public.evo_narrow (id int PRIMARY KEY, code varchar(20), qty bigint, seen timestamp)",
                "INSERT INTO public.evo_narrow SELECT g, 'c' || g, g, '2026-01-01' FROM generate_series(1, 50) g",
                "GRANT SELECT ON public.evo_narrow TO readonly");
        assertThat(sync("public.evo_narrow", "evo_narrow", null, null).status()).isEqualTo(200);
        List<String> before = fingerprint(target(), "acme.evo_narrow", "id, code, qty, seen", "id");

        TestDatabases.execute(source(), "ALTER TABLE public.evo_narrow ALTER COLUMN code TYPE varchar(5), "
                        + "ALTER COLUMN qty TYPE integer, ALTER COLUMN seen TYPE timestamptz",
                "UPDATE public.evo_narrow SET code = 'x'");
        Response refused = sync("public.evo_narrow", "evo_narrow", null, null);

        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.body()).contains("column 'code' is character varying(20) in the existing target")
                .contains("column 'qty' is bigint").contains("column 'seen' is timestamp without time zone");
        assertThat(fingerprint(target(), "acme.evo_narrow", "id, code, qty, seen", "id")).isEqualTo(before);
        assertThat(targetType("evo_narrow", "code")).isEqualTo("character varying(20)");
    }

    @Test
    void aDeclaredTypeWinsOverTheInferredOne() {
        TestDatabases.execute(source(), "DROP TABLE IF EXISTS public.declared",
                "CREATE TABLE public.declared (id int PRIMARY KEY, amount text, code integer)",
                "INSERT INTO public.declared SELECT g, (g * 1.25)::text, g FROM generate_series(1, 100) g",
                "GRANT SELECT ON public.declared TO readonly");
        Response response = sync("public.declared", "declared", null, List.of(Map.of("name", "declared",
                "columns", List.of(Map.of("name", "amount", "type", "numeric(12,2)"), Map.of("name", "code", "type", "bigint")))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(targetType("declared", "amount")).isEqualTo("numeric(12,2)");
        assertThat(targetType("declared", "code")).isEqualTo("bigint");
        assertThat(TestDatabases.single(target(), "SELECT amount::text FROM acme.declared WHERE id = 3")).isEqualTo("3.75");
    }

    @Test
    void aDeclaredTypeTheValuesDoNotFitIs422NamingTheColumnAndTheRowAndWritesNothing() {
        TestDatabases.execute(source(), "DROP TABLE IF EXISTS public.declared_bad",
                "CREATE TABLE public.declared_bad (id int PRIMARY KEY, amount text)",
                "INSERT INTO public.declared_bad SELECT g, CASE WHEN g IN (4321, 7000) THEN 'twelve' ELSE g::text END "
                        + "FROM generate_series(1, 60000) g",
                "GRANT SELECT ON public.declared_bad TO readonly");
        Response response = sync("public.declared_bad", "declared_bad", null, List.of(Map.of("name", "declared_bad",
                "columns", List.of(Map.of("name", "amount", "type", "numeric(12,2)")))));

        assertThat(response.status()).as(response.body()).isEqualTo(422);
        JsonNode error = response.json().get("errors").get(0);
        assertThat(error.get("field").asText()).isEqualTo("schemas[0].columns[0].type");
        assertThat(error.get("message").asText()).contains("'twelve'").contains("amount").contains("(4321)");
        assertThat(tableExists(target(), "acme.declared_bad")).isFalse();
    }

    @Test
    void anUnknownDeclaredTypeIs422() {
        TestDatabases.execute(source(), "CREATE TABLE IF NOT EXISTS public.declared_unknown (id int PRIMARY KEY, code text)",
                "GRANT SELECT ON public.declared_unknown TO readonly");
        Response response = sync("public.declared_unknown", "declared_unknown", null, List.of(Map.of("name", "declared_unknown",
                "columns", List.of(Map.of("name", "code", "type", "no_such_type")))));
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("schemas[0].columns[0].type");
        assertThat(tableExists(target(), "acme.declared_unknown")).isFalse();
    }
}
