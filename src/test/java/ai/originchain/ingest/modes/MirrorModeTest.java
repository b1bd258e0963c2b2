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

    private void assertSameRows(String table, String columns) {
        assertThat(fingerprint(target(), "acme." + table, columns, "id"))
                .isEqualTo(fingerprint(source(), "public." + table, columns, "id"));
    }

    private static JsonNode mapping0(Response r) {
        return r.json().get("mappings").get(0);
    }

    @Test
    void deletesArriveAndAreCounted() {
        sourceTable("mir_a", "id int PRIMARY KEY, name text", "SELECT g, 'n' || g FROM generate_series(1, 3000) g");
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

    @Test
    void theGuardRefusesSixtyPercentDeletesAndDeletesNothingOfAnyMapping() {
        sourceTable("mir_guard", "id int PRIMARY KEY, name text", "SELECT g, 'n' || g FROM generate_series(1, 100) g");
        sourceTable("mir_guard_other", "id int PRIMARY KEY, name text", "SELECT g, 'n' || g FROM generate_series(1, 100) g");
        assertThat(sync(mirror("mir_guard", "mir_guard"), mirror("mir_guard_other", "mir_guard_other")).status()).isEqualTo(200);
        List<String> before = fingerprint(target(), "acme.mir_guard", "id, name", "id");
        List<String> otherBefore = fingerprint(target(), "acme.mir_guard_other", "id, name", "id");

        TestDatabases.execute(source(), "DELETE FROM public.mir_guard WHERE id <= 60",
                "DELETE FROM public.mir_guard_other WHERE id <= 5");
        Response refused = sync(mirror("mir_guard", "mir_guard"), mirror("mir_guard_other", "mir_guard_other"));

        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.json().get("errors")).hasSize(1);
        assertThat(refused.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].max_delete_fraction");
        assertThat(refused.json().get("errors").get(0).get("message").asText()).contains("60 of the 100 rows");
        assertThat(fingerprint(target(), "acme.mir_guard", "id, name", "id")).isEqualTo(before);
        assertThat(fingerprint(target(), "acme.mir_guard_other", "id, name", "id")).isEqualTo(otherBefore);

        // A source table that is suddenly empty never empties the target silently.
        TestDatabases.execute(source(), "DELETE FROM public.mir_guard");
        Response emptied = sync(mirror("mir_guard", "mir_guard"));
        assertThat(emptied.status()).as(emptied.body()).isEqualTo(422);
        assertThat(fingerprint(target(), "acme.mir_guard", "id, name", "id")).isEqualTo(before);

        TestDatabases.execute(source(), "INSERT INTO public.mir_guard SELECT g, 'n' || g FROM generate_series(61, 100) g");
        Response allowed = sync(mirror("mir_guard", "mir_guard", "max_delete_fraction", 1),
                mirror("mir_guard_other", "mir_guard_other"));
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);
        assertThat(allowed.json().get("mappings").get(0).get("rows_deleted").asLong()).isEqualTo(60);
        assertThat(allowed.json().get("mappings").get(1).get("rows_deleted").asLong()).isEqualTo(5);
        assertSameRows("mir_guard", "id, name");
        assertSameRows("mir_guard_other", "id, name");
    }

    @Test
    void aFewDeletesAmongManyRowsRemoveThoseRowsAndNoOther() {
        sourceTable("mir_few", "id int PRIMARY KEY, name text", "SELECT g, 'n' || g FROM generate_series(1, 4000) g");
        sync(mirror("mir_few", "mir_few"));
        // 1% of the rows: few enough that the deletes run as key lookups (the planner's joins off), the path this covers.
        TestDatabases.execute(source(), "DELETE FROM public.mir_few WHERE id % 100 = 7 OR id IN (1, 4000)",
                "UPDATE public.mir_few SET name = 'changed' WHERE id = 8");

        Response resync = sync(mirror("mir_few", "mir_few"));

        assertThat(resync.status()).as(resync.body()).isEqualTo(200);
        assertThat(mapping0(resync).get("rows_deleted").asLong()).isEqualTo(42);
        assertThat(mapping0(resync).get("rows_changed").asLong()).isEqualTo(1);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.mir_few")).isEqualTo("3958");
        assertSameRows("mir_few", "id, name");
    }

    @Test
    void softDeletesKeepTheRowWithItsTimeAndARowThatComesBackIsLiveAgain() {
        sourceTable("mir_soft", "id int PRIMARY KEY, name text", "SELECT g, 'n' || g FROM generate_series(1, 50) g");
        Response first = sync(mirror("mir_soft", "mir_soft", "delete_mode", "soft"));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.mir_soft WHERE _oc_deleted_at IS NULL")).isEqualTo("50");

        TestDatabases.execute(source(), "DELETE FROM public.mir_soft WHERE id IN (7, 8)");
        Response deleted = sync(mirror("mir_soft", "mir_soft", "delete_mode", "soft"));
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(mapping0(deleted).get("rows_deleted").asLong()).isEqualTo(2);
        assertThat(TestDatabases.query(target(), "SELECT id, name FROM acme.mir_soft WHERE _oc_deleted_at IS NOT NULL "
                + "AND _oc_deleted_at > now() - interval '1 hour' ORDER BY id")).containsExactly(List.of("7", "n7"), List.of("8", "n8"));
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.mir_soft")).isEqualTo("50");

        Response unchanged = sync(mirror("mir_soft", "mir_soft", "delete_mode", "soft"));
        assertThat(mapping0(unchanged).get("rows_deleted").asLong()).isZero();

        TestDatabases.execute(source(), "INSERT INTO public.mir_soft VALUES (7, 'n7'), (8, 'back')");
        Response back = sync(mirror("mir_soft", "mir_soft", "delete_mode", "soft"));
        assertThat(back.status()).as(back.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.mir_soft WHERE _oc_deleted_at IS NOT NULL")).isEqualTo("0");
        assertThat(TestDatabases.single(target(), "SELECT name FROM acme.mir_soft WHERE id = 8")).isEqualTo("back");
        assertSameRows("mir_soft", "id, name");
        assertThat(mapping0(back).get("warnings").toString()).doesNotContain("_oc_deleted_at");
    }

    @Test
    void aSourceColumnNamedLikeTheSoftDeleteColumnIs422() {
        sourceTable("mir_soft_clash", "id int PRIMARY KEY, _oc_deleted_at timestamptz", "SELECT g, NULL FROM generate_series(1, 3) g");
        Response response = sync(mirror("mir_soft_clash", "mir_soft_clash", "delete_mode", "soft"));
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].delete_mode");
        assertThat(tableExists(target(), "acme.mir_soft_clash")).isFalse();
    }

    @Test
    void withAFilterOnlyTargetRowsInScopeAreMirroredAndARowThatLeavesTheFilterIsDeleted() {
        sourceTable("mir_filter", "id int PRIMARY KEY, status text", "SELECT g, CASE g % 3 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' "
                + "ELSE 'shipped' END FROM generate_series(1, 90) g");
        // Everything lands first (no filter); the mirror below scopes itself to paid and shipped rows.
        assertThat(post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings",
                List.of(mapping("public.mir_filter", "mir_filter", List.of("id"), null)))).status()).isEqualTo(200);
        Map<String, Object> filter = Map.of("column", "status", "op", "in", "value", List.of("paid", "shipped"));

        TestDatabases.execute(source(), "UPDATE public.mir_filter SET status = 'new' WHERE id = 1",
                "DELETE FROM public.mir_filter WHERE id IN (2, 3)");
        Response response = sync(mirror("mir_filter", "mir_filter", "filter", filter));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        // id 1 left the filter, id 2 (shipped) was deleted: both deleted; id 3 ('new') is out of scope and stays.
        assertThat(mapping0(response).get("rows_deleted").asLong()).isEqualTo(2);
        assertThat(mapping0(response).get("rows_read").asLong()).isEqualTo(
                Long.parseLong(TestDatabases.single(source(), "SELECT count(*) FROM public.mir_filter WHERE status IN ('paid', 'shipped')")));
        assertThat(TestDatabases.query(target(), "SELECT id, status FROM acme.mir_filter WHERE id <= 3 ORDER BY id"))
                .containsExactly(List.of("3", "new"));
        String inScope = "(SELECT * FROM %s WHERE status IN ('paid', 'shipped')) s";
        assertThat(fingerprint(target(), inScope.formatted("acme.mir_filter"), "id, status", "id"))
                .isEqualTo(fingerprint(source(), inScope.formatted("public.mir_filter"), "id, status", "id"));
        // The rows out of scope at the target are the 30 'new' rows of the first sync, untouched.
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.mir_filter WHERE status = 'new' AND id % 3 = 0"))
                .isEqualTo("30");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.mir_filter WHERE status = 'new'")).isEqualTo("30");
    }

    @Test
    void aKeyWhoseOrderTheServiceCannotReproduceStillMirrors() {
        sourceTable("mir_datekey", "id date PRIMARY KEY, name text",
                "SELECT DATE '2026-01-01' + g, 'n' || g FROM generate_series(1, 400) g");
        Map<String, Object> m = new LinkedHashMap<>(mirror("mir_datekey", "mir_datekey"));
        assertThat(sync(m).status()).isEqualTo(200);
        TestDatabases.execute(source(), "DELETE FROM public.mir_datekey WHERE extract(day FROM id) = 1");
        long deleted = 400 - Long.parseLong(TestDatabases.single(source(), "SELECT count(*) FROM public.mir_datekey"));

        Response response = sync(m);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(mapping0(response).get("rows_deleted").asLong()).isEqualTo(deleted).isPositive();
        assertSameRows("mir_datekey", "id, name");
    }
}
