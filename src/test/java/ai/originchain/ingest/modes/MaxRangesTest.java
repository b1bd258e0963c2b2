package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * {@code originchain.sync.max-ranges} bounds the ranges a re-sync compares, so its memory does not grow
 * with the table: past it, the ranges hold more rows each, and every change is still found.
 */
@TestPropertySource(properties = "originchain.sync.max-ranges=20")
@DirtiesContext
class MaxRangesTest extends ConnectorTest {

    private Response sync(String table) {
        Map<String, Object> m = new LinkedHashMap<>(mapping("public." + table, table, List.of("id"), null));
        m.put("mode", "mirror");
        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(m)));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response;
    }

    private static long field(Response r, String name) {
        return r.json().get("mappings").get(0).get(name).asLong();
    }

    private void assertSameRows(String table) {
        assertThat(fingerprint(target(), "acme." + table, "*", "id")).isEqualTo(fingerprint(source(), "public." + table, "*", "id"));
    }

    @Test
    void aLargeTableIsComparedInAtMostMaxRangesAndEveryChangeIsFound() {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public.mr_big",
                "CREATE TABLE public.mr_big (id int PRIMARY KEY, payload text)",
                "INSERT INTO public.mr_big SELECT g, md5(g::text) FROM generate_series(1, 3000) g",
                "GRANT SELECT ON public.mr_big TO readonly");
        sync("mr_big");

        // 3,000 rows would be 47 ranges of 64; at most 20 bounds make at most 21 ranges, of 256 rows here.
        TestDatabases.execute(dbs.source(), "UPDATE public.mr_big SET payload = 'changed' WHERE id = 2000");
        Response changed = sync("mr_big");
        assertThat(field(changed, "ranges_compared")).as(changed.body()).isBetween(5L, 21L);
        assertThat(field(changed, "ranges_differing")).as(changed.body()).isEqualTo(1);
        assertThat(field(changed, "rows_changed")).isEqualTo(1);
        assertThat(field(changed, "rows_merged")).as(changed.body()).isLessThanOrEqualTo(2 * 256);
        assertSameRows("mr_big");

        // Ten times the rows appended beyond the last bound: cutting them at the usual range size would
        // pass the bound, so the table is cut anew, within it, by the next re-sync.
        TestDatabases.execute(dbs.source(), "INSERT INTO public.mr_big SELECT g, md5(g::text) FROM generate_series(3001, 33000) g");
        Response grown = sync("mr_big");
        assertThat(field(grown, "rows_changed")).as(grown.body()).isEqualTo(30_000);
        assertSameRows("mr_big");
        Response next = sync("mr_big");
        assertThat(field(next, "ranges_compared")).as(next.body()).isBetween(5L, 21L);
        assertThat(field(next, "ranges_differing")).as(next.body()).isZero();
        assertThat(field(next, "target_ranges_hashed")).as(next.body()).isEqualTo(field(next, "ranges_compared"));

        TestDatabases.execute(dbs.source(), "DELETE FROM public.mr_big WHERE id = 30000");
        Response deleted = sync("mr_big");
        assertThat(field(deleted, "ranges_compared")).as(deleted.body()).isBetween(5L, 21L);
        assertThat(field(deleted, "rows_deleted")).as(deleted.body()).isEqualTo(1);
        assertSameRows("mr_big");
    }
}
