package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** mode mirror over HTTP: deletes arrive and are counted, the mass-delete guard, soft deletes, a filtered mirror. */
class MirrorModeTest extends ConnectorTest {

    static Map<String, Object> mirror(String table, String target, Object... extra) {
        Map<String, Object> m = new LinkedHashMap<>(mapping("public." + table, target, List.of("id"), null));
        m.put("mode", "mirror");
        for (int i = 0; i < extra.length; i += 2) {
            m.put((String) extra[i], extra[i + 1]);
        }
        return m;
    }

    private Response sync(Map<String, Object>... mappings) {
        return post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(mappings)));
    }

    private static void table(String name, String columns, String rows) {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public." + name,
                "CREATE TABLE public." + name + " (" + columns + ")",
                "INSERT INTO public." + name + " " + rows,
                "GRANT SELECT ON public." + name + " TO readonly");
    }

    private void assertSameRows(String table, String columns) {
        assertThat(fingerprint(target(), "acme." + table, columns, "id"))
                .isEqualTo(fingerprint(source(), "public." + table, columns, "id"));
    }

    private static JsonNode mapping0(Response r) {
        return r.json().get("mappings").get(0);
    }

    @Test
    void deletesArriveAndAreCounted() {
        table("mir_a", "id int PRIMARY KEY, name text", "SELECT g, 'n' || g FROM generate_series(1, 3000) g");
        Response first = sync(mirror("mir_a", "mir_a"));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(mapping0(first).get("rows_deleted").asLong()).isZero();

        TestDatabases.execute(source(), "DELETE FROM public.mir_a WHERE id % 10 = 3 OR id > 2990",
                "UPDATE public.mir_a SET name = 'changed' WHERE id = 5", "INSERT INTO public.mir_a VALUES (5000, 'new')");
        long expectedDeletes = 300 + 10 - 1; // id % 10 = 3 (300 rows) and 2991..3000, less 2993, which is both
        Response second = sync(mirror("mir_a", "mir_a"));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(mapping0(second).get("rows_deleted").asLong()).isEqualTo(expectedDeletes);
        assertThat(mapping0(second).get("rows_changed").asLong()).isEqualTo(2);
        assertSameRows("mir_a", "id, name");

        Response again = sync(mirror("mir_a", "mir_a"));
        assertThat(mapping0(again).get("rows_deleted").asLong()).isZero();
        assertThat(mapping0(again).get("rows_changed").asLong()).isZero();
    }
}
