package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** mode incremental over HTTP: only changed rows plus the lookback are read, marks advance only on success. */
class IncrementalTest extends ConnectorTest {

    static Map<String, Object> incremental(String table, String target, Map<String, Object> cursor, Object filter) {
        Map<String, Object> m = new LinkedHashMap<>(mapping("public." + table, target, List.of("id"), null));
        m.put("mode", "incremental");
        m.put("cursor", cursor);
        if (filter != null) {
            m.put("filter", filter);
        }
        return m;
    }

    private Response sync(Map<String, Object>... mappings) {
        return post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(mappings)));
    }

    private static JsonNode mapping0(Response r) {
        return r.json().get("mappings").get(0);
    }

    private static void table(String name) {
        // updated_at: one minute apart, row g at 10:00 + g minutes.
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public." + name,
                "CREATE TABLE public." + name + " (id int PRIMARY KEY, v text, updated_at timestamptz)",
                "INSERT INTO public." + name + " SELECT g, 'v' || g, TIMESTAMPTZ '2026-11-01 10:00:00+00' + g * interval '1 minute' "
                        + "FROM generate_series(1, 100) g",
                "GRANT SELECT ON public." + name + " TO readonly");
    }

    private void assertSameRows(String table) {
        assertThat(fingerprint(target(), "acme." + table, "id, v, updated_at", "id"))
                .isEqualTo(fingerprint(source(), "public." + table, "id, v, updated_at", "id"));
    }

    @Test
    void readsOnlyTheChangedRowsPlusTheLookbackAndConverges() {
        table("inc_a");
        Map<String, Object> cursor = Map.of("column", "updated_at", "lookback", "PT5M");
        Response first = sync(incremental("inc_a", "inc_a", cursor, null));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(mapping0(first).get("rows_read").asLong()).isEqualTo(100);
        assertThat(mapping0(first).get("cursor_from").isNull()).isTrue();
        assertThat(mapping0(first).get("cursor_to").asText()).isEqualTo("2026-11-01 11:40:00+00");
        assertThat(mapping0(first).get("warnings").toString()).contains("rows deleted at the source").contains("NULL");

        TestDatabases.execute(source(), "UPDATE public.inc_a SET v = 'changed', updated_at = TIMESTAMPTZ '2026-11-01 12:00:00+00' "
                + "WHERE id IN (3, 4, 50)", "INSERT INTO public.inc_a VALUES (101, 'new', TIMESTAMPTZ '2026-11-01 12:30:00+00')");
        Response second = sync(incremental("inc_a", "inc_a", cursor, null));

        assertThat(second.status()).as(second.body()).isEqualTo(200);
        // 3 changed + 1 new, and the 5-minute window before the mark: 11:35..11:40 holds ids 95..100 (50 moved on).
        assertThat(mapping0(second).get("rows_read").asLong()).isEqualTo(4 + 6);
        assertThat(mapping0(second).get("rows_changed").asLong()).isEqualTo(4);
        assertThat(mapping0(second).get("cursor_from").asText()).isEqualTo("2026-11-01 11:40:00+00");
        assertThat(mapping0(second).get("cursor_to").asText()).isEqualTo("2026-11-01 12:30:00+00");
        assertSameRows("inc_a");

        Response third = sync(incremental("inc_a", "inc_a", cursor, null));
        assertThat(mapping0(third).get("rows_read").asLong()).isEqualTo(1); // only id 101 is in the window
        assertThat(mapping0(third).get("rows_changed").asLong()).isZero();
        assertThat(mapping0(third).get("cursor_to").asText()).isEqualTo("2026-11-01 12:30:00+00");
    }

    @Test
    void aNumericCursorWithANumericLookback() {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public.inc_num",
                "CREATE TABLE public.inc_num (id int PRIMARY KEY, version bigint NOT NULL, v text)",
                "INSERT INTO public.inc_num SELECT g, g, 'v' FROM generate_series(1, 50) g", "GRANT SELECT ON public.inc_num TO readonly");
        Map<String, Object> m = new LinkedHashMap<>(mapping("public.inc_num", "inc_num", List.of("id"), null));
        m.put("mode", "incremental");
        m.put("cursor", Map.of("column", "version", "lookback", 2));
        assertThat(mapping0(sync(m)).get("cursor_to").asText()).isEqualTo("50");
        TestDatabases.execute(source(), "UPDATE public.inc_num SET version = 60, v = 'w' WHERE id = 7");
        Response second = sync(m);
        assertThat(mapping0(second).get("rows_read").asLong()).isEqualTo(4); // versions 48, 49, 50 and 60
        assertThat(TestDatabases.single(target(), "SELECT v FROM acme.inc_num WHERE id = 7")).isEqualTo("w");
    }

    @Test
    void aChangedFilterOrCursorOrAMissingTargetTableReadsEverything() {
        table("inc_b");
        Map<String, Object> cursor = Map.of("column", "updated_at", "lookback", "PT1M");
        Map<String, Object> filter = Map.of("column", "id", "op", "<=", "value", 80);
        assertThat(mapping0(sync(incremental("inc_b", "inc_b", cursor, filter))).get("rows_read").asLong()).isEqualTo(80);
        assertThat(mapping0(sync(incremental("inc_b", "inc_b", cursor, filter))).get("rows_read").asLong()).isEqualTo(2);

        Response otherFilter = sync(incremental("inc_b", "inc_b", cursor, Map.of("column", "id", "op", "<=", "value", 90)));
        assertThat(mapping0(otherFilter).get("rows_read").asLong()).isEqualTo(90);
        assertThat(mapping0(otherFilter).get("cursor_from").isNull()).isTrue();

        Response otherCursor = sync(incremental("inc_b", "inc_b", Map.of("column", "id", "lookback", 0),
                Map.of("column", "id", "op", "<=", "value", 90)));
        assertThat(mapping0(otherCursor).get("rows_read").asLong()).isEqualTo(90);

        TestDatabases.execute(target(), "DROP TABLE acme.inc_b");
        Response missing = sync(incremental("inc_b", "inc_b", Map.of("column", "id", "lookback", 0),
                Map.of("column", "id", "op", "<=", "value", 90)));
        assertThat(mapping0(missing).get("rows_read").asLong()).isEqualTo(90);
        assertThat(mapping0(missing).get("cursor_from").isNull()).isTrue();
    }

    @Test
    void aFailedSyncDoesNotAdvanceTheMark() {
        table("inc_fail");
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public.inc_fail_mirror",
                "CREATE TABLE public.inc_fail_mirror (id int PRIMARY KEY)",
                "INSERT INTO public.inc_fail_mirror SELECT generate_series(1, 10)", "GRANT SELECT ON public.inc_fail_mirror TO readonly");
        Map<String, Object> cursor = Map.of("column", "updated_at", "lookback", "PT0S");
        Map<String, Object> mirror = MirrorModeTest.mirror("inc_fail_mirror", "inc_fail_mirror");
        Response first = sync(incremental("inc_fail", "inc_fail", cursor, null), mirror);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        String mark = mapping0(first).get("cursor_to").asText();

        // The mirror now trips the mass-delete guard, so the whole sync fails after the incremental mapping ran.
        TestDatabases.execute(source(), "DELETE FROM public.inc_fail_mirror WHERE id > 2",
                "UPDATE public.inc_fail SET v = 'changed', updated_at = TIMESTAMPTZ '2026-11-01 13:00:00+00' WHERE id = 1");
        Response failed = sync(incremental("inc_fail", "inc_fail", cursor, null), mirror);
        assertThat(failed.status()).as(failed.body()).isEqualTo(422);
        assertThat(failed.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[1].max_delete_fraction");

        Response after = sync(incremental("inc_fail", "inc_fail", cursor, null));
        assertThat(after.status()).as(after.body()).isEqualTo(200);
        assertThat(mapping0(after).get("cursor_from").asText()).isEqualTo(mark);
        assertThat(mapping0(after).get("cursor_to").asText()).isEqualTo("2026-11-01 13:00:00+00");
        assertSameRows("inc_fail");
    }
}
