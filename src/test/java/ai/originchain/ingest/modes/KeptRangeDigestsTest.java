package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * A re-sync keeps the target's range digests and, the next time, hashes the content of only the target
 * ranges whose row versions moved; the source is hashed in full every time. Whatever moved at the
 * target (the service's merge, or someone else's writes) is hashed again and found.
 */
class KeptRangeDigestsTest extends ConnectorTest {

    private Response sync(String table) {
        return sync(table, Map.of());
    }

    private Response sync(String table, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>(mapping("public." + table, table, List.of("id"), null));
        m.put("mode", "mirror");
        m.putAll(extra);
        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(m)));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response;
    }

    private static JsonNode mapping0(Response r) {
        return r.json().get("mappings").get(0);
    }

    private static long field(Response r, String name) {
        return mapping0(r).get(name).asLong();
    }

    private static void table(String name, long rows) {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public." + name,
                "CREATE TABLE public." + name + " (id int PRIMARY KEY, payload text, amount numeric(12,2))",
                "INSERT INTO public." + name + " SELECT g, md5(g::text), g / 7.0 FROM generate_series(1, " + rows + ") g",
                "GRANT SELECT ON public." + name + " TO readonly");
    }

    private void assertSameRows(String table) {
        assertThat(fingerprint(target(), "acme." + table, "*", "id")).isEqualTo(fingerprint(source(), "public." + table, "*", "id"));
    }

    @Test
    void aWarmResyncHashesOnlyTheTargetRangesWhoseRowsMovedAndStillFindsEveryChange() {
        table("kd_warm", 3000);
        sync("kd_warm");
        // The first sync's load left no digests; they were computed in the background after it, and
        // the first re-sync (which waits for them) finds every range kept.
        Response first = sync("kd_warm");
        long ranges = field(first, "ranges_compared");
        assertThat(ranges).isGreaterThan(40);
        assertThat(field(first, "ranges_differing")).as(first.body()).isZero();
        assertThat(field(first, "target_ranges_hashed")).as(first.body()).isPositive().isLessThanOrEqualTo(ranges / 32 + 1);

        Response warm = sync("kd_warm");
        assertThat(field(warm, "ranges_compared")).isEqualTo(ranges);
        assertThat(field(warm, "ranges_differing")).as(warm.body()).isZero();
        // Only the ranges due for their periodic check (one in 32).
        assertThat(field(warm, "target_ranges_hashed")).as(warm.body()).isPositive().isLessThanOrEqualTo(ranges / 32 + 1);

        // A change at the source: found although the target's side of its range was kept.
        TestDatabases.execute(dbs.source(), "UPDATE public.kd_warm SET payload = 'changed' WHERE id = 1500");
        Response changed = sync("kd_warm");
        assertThat(field(changed, "ranges_differing")).as(changed.body()).isEqualTo(1);
        assertThat(field(changed, "rows_changed")).isEqualTo(1);
        assertSameRows("kd_warm");

        // The merge wrote that range: the next re-sync hashes it again, and finds it equal.
        Response after = sync("kd_warm");
        assertThat(field(after, "ranges_differing")).as(after.body()).isZero();
        assertThat(field(after, "target_ranges_hashed")).as(after.body()).isPositive();

        // Someone else writes to the target: a changed value, a deleted row, a row the source lacks.
        TestDatabases.execute(target(), "UPDATE acme.kd_warm SET amount = amount + 1 WHERE id = 100",
                "DELETE FROM acme.kd_warm WHERE id = 2200", "INSERT INTO acme.kd_warm VALUES (2900 * 10, 'extra', 0)");
        Response tampered = sync("kd_warm");
        assertThat(field(tampered, "ranges_differing")).as(tampered.body()).isEqualTo(3);
        assertThat(field(tampered, "rows_changed")).as(tampered.body()).isEqualTo(2);
        assertThat(field(tampered, "rows_deleted")).as(tampered.body()).isEqualTo(1);
        assertSameRows("kd_warm");

        // A write that leaves the values as they were moves the rows: hashed again, equal, nothing written.
        TestDatabases.execute(target(), "UPDATE acme.kd_warm SET payload = payload WHERE id BETWEEN 600 AND 700");
        Response rewritten = sync("kd_warm");
        assertThat(field(rewritten, "ranges_differing")).as(rewritten.body()).isZero();
        assertThat(field(rewritten, "target_ranges_hashed")).as(rewritten.body()).isGreaterThanOrEqualTo(2);
        assertThat(field(rewritten, "rows_changed")).isZero();
    }

    @Test
    void digestsKeptForAnotherShapeOfTheTableAreNotUsed() {
        table("kd_shape", 3000);
        sync("kd_shape");
        sync("kd_shape");
        TestDatabases.execute(dbs.source(), "ALTER TABLE public.kd_shape ADD COLUMN note text DEFAULT 'new'");

        Response widened = sync("kd_shape");

        assertThat(mapping0(widened).get("schema_changes").toString()).contains("note");
        assertThat(field(widened, "target_ranges_hashed")).as(widened.body()).isEqualTo(field(widened, "ranges_compared"));
        assertThat(field(widened, "rows_changed")).as(widened.body()).isEqualTo(3000);
        assertSameRows("kd_shape");
        // Every row was written again by a whole-table merge: the digests were computed again in the
        // background, and the next re-sync finds them kept.
        Response again = sync("kd_shape");
        assertThat(field(again, "ranges_differing")).as(again.body()).isZero();
        assertThat(field(again, "target_ranges_hashed")).as(again.body()).isLessThan(field(again, "ranges_compared") / 8);
    }

    @Test
    void aSoftDeleteMirrorsFirstResyncFindsTheBackgroundDigestsOfItsLiveRows() {
        Map<String, Object> soft = Map.of("delete_mode", "soft");
        assertTheFirstResyncFindsTheDigestsKept("kd_soft", soft);

        TestDatabases.execute(dbs.source(), "DELETE FROM public.kd_soft WHERE id = 1234");
        Response deleted = sync("kd_soft", soft);
        assertThat(field(deleted, "ranges_differing")).as(deleted.body()).isEqualTo(1);
        assertThat(field(deleted, "rows_deleted")).as(deleted.body()).isEqualTo(1);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.kd_soft WHERE _oc_deleted_at IS NOT NULL"))
                .isEqualTo("1");
    }

    @Test
    void anUpsertMappingsFirstResyncFindsTheBackgroundDigestsToo() {
        assertTheFirstResyncFindsTheDigestsKept("kd_upsert", Map.of("mode", "upsert"));
    }

    /** A first sync of a new 3,000-row table, then a re-sync that finds the background digests kept. */
    private void assertTheFirstResyncFindsTheDigestsKept(String table, Map<String, Object> extra) {
        table(table, 3000);
        sync(table, extra);

        Response first = sync(table, extra);
        assertThat(field(first, "ranges_differing")).as(first.body()).isZero();
        assertThat(field(first, "target_ranges_hashed")).as(first.body()).isLessThan(field(first, "ranges_compared") / 8);
    }

    @Test
    void withoutKeptDigestsEveryTargetRangeIsHashedAndTheirDigestsKeptForTheNext() {
        table("kd_none", 3000);
        sync("kd_none");
        sync("kd_none");
        TestDatabases.execute(target(), "DELETE FROM originchain.range_digests WHERE tenant = 'acme' AND table_name = 'kd_none'");
        TestDatabases.execute(dbs.source(), "UPDATE public.kd_none SET payload = 'changed' WHERE id = 10");

        Response cold = sync("kd_none");
        assertThat(field(cold, "target_ranges_hashed")).as(cold.body()).isEqualTo(field(cold, "ranges_compared"));
        assertThat(field(cold, "rows_changed")).as(cold.body()).isEqualTo(1);
        Response warm = sync("kd_none");
        assertThat(field(warm, "ranges_differing")).as(warm.body()).isZero();
        assertThat(field(warm, "target_ranges_hashed")).as(warm.body()).isLessThan(field(warm, "ranges_compared") / 8);
        assertSameRows("kd_none");
    }

    @Test
    void rowsAppendedBeyondTheLastRangeAreCutIntoRangesOfTheirOwn() {
        table("kd_append", 3000);
        sync("kd_append");
        long before = field(sync("kd_append"), "ranges_compared");

        TestDatabases.execute(dbs.source(), "INSERT INTO public.kd_append SELECT g, md5(g::text), 1 FROM generate_series(3001, 6000) g");
        Response grown = sync("kd_append");
        assertThat(field(grown, "rows_changed")).as(grown.body()).isEqualTo(3000);
        assertThat(field(grown, "ranges_differing")).as(grown.body()).isEqualTo(1);

        Response next = sync("kd_append");
        assertThat(field(next, "ranges_compared")).as(next.body()).isGreaterThan(before + 40);
        assertThat(field(next, "ranges_differing")).as(next.body()).isZero();

        TestDatabases.execute(dbs.source(), "UPDATE public.kd_append SET amount = 2 WHERE id = 5000");
        Response one = sync("kd_append");
        assertThat(field(one, "ranges_differing")).as(one.body()).isEqualTo(1);
        assertThat(field(one, "rows_merged")).as(one.body()).isLessThan(200);
        assertSameRows("kd_append");
    }

    @Test
    void aLargeTableIsHashedOnSeveralSourceConnectionsAndEveryChangeFound() {
        // 40,000 rows: 625 ranges, hashed in two slices of the snapshot at the source.
        table("kd_wide", 40_000);
        sync("kd_wide");
        TestDatabases.execute(dbs.source(), "UPDATE public.kd_wide SET payload = 'first slice' WHERE id = 10",
                "UPDATE public.kd_wide SET payload = 'second slice' WHERE id = 39990",
                "DELETE FROM public.kd_wide WHERE id = 20000");

        Response resync = sync("kd_wide");

        assertThat(field(resync, "ranges_compared")).isGreaterThan(600);
        assertThat(field(resync, "ranges_differing")).as(resync.body()).isEqualTo(3);
        assertThat(field(resync, "rows_changed")).isEqualTo(2);
        assertThat(field(resync, "rows_deleted")).isEqualTo(1);
        assertSameRows("kd_wide");
    }

    @Test
    void aCompositeKeyIsHashedInSlicesAndKeptToo() {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public.kd_pair",
                "CREATE TABLE public.kd_pair (region text, id int, n int, PRIMARY KEY (region, id))",
                "INSERT INTO public.kd_pair SELECT (ARRAY['eu', 'us', 'Ap'])[g % 3 + 1], g, g FROM generate_series(1, 40000) g",
                "GRANT SELECT ON public.kd_pair TO readonly");
        Map<String, Object> m = new LinkedHashMap<>(mapping("public.kd_pair", "kd_pair", List.of("region", "id"), null));
        m.put("mode", "mirror");
        Map<String, Object> body = Map.of("source", tlsSource("require"), "mappings", List.of(m));
        assertThat(post("acme", ACME_TOKEN, body).status()).isEqualTo(200);
        assertThat(post("acme", ACME_TOKEN, body).status()).isEqualTo(200);
        TestDatabases.execute(dbs.source(), "UPDATE public.kd_pair SET n = -1 WHERE id IN (3, 39999)");

        Response resync = post("acme", ACME_TOKEN, body);

        assertThat(resync.status()).as(resync.body()).isEqualTo(200);
        assertThat(field(resync, "ranges_differing")).as(resync.body()).isEqualTo(2);
        assertThat(field(resync, "target_ranges_hashed")).as(resync.body()).isLessThan(field(resync, "ranges_compared") / 8);
        assertThat(field(resync, "rows_changed")).isEqualTo(2);
        assertThat(fingerprint(target(), "acme.kd_pair", "*", "region COLLATE \"C\", id"))
                .isEqualTo(fingerprint(source(), "public.kd_pair", "*", "region COLLATE \"C\", id"));
    }
}
