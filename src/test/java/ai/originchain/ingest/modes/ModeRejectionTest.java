package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** Bad mode, filter and cursor fields over HTTP: 400 or 422 naming the field, and nothing written. */
class ModeRejectionTest extends ConnectorTest {

    private record Case(int status, String field, Object... fields) {
    }

    private static final List<Case> CASES = List.of(
            new Case(400, "mappings[0].mode", "mode", "sideways"),
            new Case(400, "mappings[0].mode", "mode", 1),
            new Case(400, "mappings[0].delete_mode", "delete_mode", "soft"),
            new Case(400, "mappings[0].delete_mode", "mode", "mirror", "delete_mode", "gentle"),
            new Case(400, "mappings[0].max_delete_fraction", "max_delete_fraction", 0.3),
            new Case(400, "mappings[0].max_delete_fraction", "mode", "mirror", "max_delete_fraction", 1.5),
            new Case(400, "mappings[0].max_delete_fraction", "mode", "mirror", "max_delete_fraction", -0.1),
            new Case(400, "mappings[0].max_delete_fraction", "mode", "mirror", "max_delete_fraction", "0.5"),
            new Case(400, "mappings[0].cursor", "mode", "incremental"),
            new Case(400, "mappings[0].cursor", "mode", "mirror", "cursor", Map.of("column", "updated_at")),
            new Case(400, "mappings[0].cursor.lookback", "mode", "incremental",
                    "cursor", Map.of("column", "updated_at", "lookback", "5 minutes")),
            new Case(400, "mappings[0].cursor.column", "mode", "incremental", "cursor", Map.of("lookback", "PT5M")),
            new Case(400, "mappings[0].cursor.since", "mode", "incremental",
                    "cursor", Map.of("column", "updated_at", "since", "yesterday")),
            new Case(422, "mappings[0].cursor.column", "mode", "incremental", "cursor", Map.of("column", "doc")),
            new Case(422, "mappings[0].cursor.column", "mode", "incremental", "cursor", Map.of("column", "blob")),
            new Case(422, "mappings[0].cursor.column", "mode", "incremental", "cursor", Map.of("column", "tags")),
            new Case(422, "mappings[0].cursor.column", "mode", "incremental", "cursor", Map.of("column", "name")),
            new Case(422, "mappings[0].cursor.column", "mode", "incremental", "cursor", Map.of("column", "nope")),
            new Case(422, "mappings[0].cursor.lookback", "mode", "incremental",
                    "cursor", Map.of("column", "id", "lookback", "PT5M")),
            new Case(400, "mappings[0].filter.extra", "filter", Map.of("column", "id", "op", "=", "value", 1, "extra", 1)),
            new Case(400, "mappings[0].filter.all", "filter", Map.of("all", List.of())),
            new Case(400, "mappings[0].filter", "filter", "id = 1"),
            new Case(400, "mappings[0].filter.value", "filter", Map.of("column", "id", "op", "in", "value", 1)),
            new Case(400, "mappings[0].filter.value", "filter", Map.of("column", "id", "op", "is_null", "value", 1)),
            new Case(422, "mappings[0].filter.op", "filter", Map.of("column", "doc", "op", "<", "value", "{}")));

    @Test
    void eachBadFieldIsNamedAndNothingIsWritten() {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public.rej",
                "CREATE TABLE public.rej (id int PRIMARY KEY, name text, updated_at timestamptz, doc json, blob bytea, tags int[])",
                "INSERT INTO public.rej VALUES (1, 'a', now(), '{}', '\\x00', '{1}')", "GRANT SELECT ON public.rej TO readonly");
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            String target = "rej_" + i;
            Map<String, Object> m = new LinkedHashMap<>(mapping("public.rej", target, List.of("id"), null));
            for (int f = 0; f < c.fields().length; f += 2) {
                m.put((String) c.fields()[f], c.fields()[f + 1]);
            }
            Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(m)));
            assertThat(response.status()).as(m + " -> " + response.body()).isEqualTo(c.status());
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().get("errors").get(0).get("field").asText()).as(response.body()).isEqualTo(c.field());
            assertThat(tableExists(target(), "acme." + target)).as(target).isFalse();
        }
    }

    @Test
    void aMirrorFilterOnAColumnTheTargetDoesNotGetIs422() {
        TestDatabases.execute(dbs.source(), "CREATE TABLE IF NOT EXISTS public.rej_cols (id int PRIMARY KEY, status text)",
                "GRANT SELECT ON public.rej_cols TO readonly");
        Map<String, Object> m = new LinkedHashMap<>(mapping("public.rej_cols", "rej_cols", List.of("id"), List.of("id")));
        m.put("mode", "mirror");
        m.put("filter", Map.of("column", "status", "op", "=", "value", "paid"));
        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(m)));
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].filter.column");
        assertThat(tableExists(target(), "acme.rej_cols")).isFalse();
    }
}
