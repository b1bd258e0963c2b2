package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * A large merge ({@code originchain.sync.merge-part-min-rows} lowered here so a few thousand rows make
 * one) runs as key-range parts at once, each with its own source read, target read and diff: every
 * change, insert and delete is still found once, whatever the key, and the target ends equal to the
 * source.
 */
@TestPropertySource(properties = {"originchain.sync.merge-parts=2", "originchain.sync.merge-part-min-rows=512"})
@DirtiesContext
class PartedMergeTest extends ConnectorTest {

    private static final String IN_PARTS = "in 2 key-range parts at once";

    private Response sync(Map<String, Object> mapping) {
        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(mapping)));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response;
    }

    private static Map<String, Object> mapping(String table, List<String> key, String mode) {
        Map<String, Object> m = new LinkedHashMap<>(mapping("public." + table, table, key, null));
        m.put("mode", mode);
        return m;
    }

    private static long count(String sql) {
        return Long.parseLong(TestDatabases.single(dbs.source(), sql));
    }

    private static JsonNode report(Response r) {
        return r.json().get("mappings").get(0);
    }

    private void assertSameRows(String table, String orderBy) {
        assertThat(fingerprint(target(), "acme." + table, "*", orderBy))
                .isEqualTo(fingerprint(source(), "public." + table, "*", orderBy));
    }

    /** The newest range comparison logged for {@code table}: it says how the merge runs. */
    private static String lastComparison(CapturedOutput output, String table) {
        List<String> lines = output.getAll().lines()
                .filter(line -> line.contains("-> acme." + table + "]: ") && line.contains("key ranges differ")).toList();
        assertThat(lines).as("a range comparison was logged for " + table).isNotEmpty();
        return lines.get(lines.size() - 1);
    }

    @Test
    void scatteredChangesMergeTheWholeTableInTwoPartsAndEveryChangeIsWrittenOnce(CapturedOutput output) {
        sourceTable("pm_scattered", "id int PRIMARY KEY, n int, note text",
                "SELECT 2 * g, g, 'n' || g FROM generate_series(1, 20000) g");
        sync(mapping("pm_scattered", List.of("id"), "upsert"));
        long changed = count("WITH c AS (UPDATE public.pm_scattered SET n = -n WHERE id % 50 = 8 RETURNING 1) SELECT count(*) FROM c");
        TestDatabases.execute(dbs.source(), "INSERT INTO public.pm_scattered VALUES (-1, 0, 'below'), (20001, 0, 'between'), (90001, 0, 'above')");

        Response resync = sync(mapping("pm_scattered", List.of("id"), "upsert"));

        assertThat(lastComparison(output, "pm_scattered")).contains("the whole table is merged").contains(IN_PARTS);
        JsonNode report = report(resync);
        assertThat(report.get("rows_changed").asLong()).as(report.toString()).isEqualTo(changed + 3);
        assertThat(report.get("rows_merged").asLong()).as(report.toString()).isEqualTo(20003);
        assertThat(report.get("rows_read").asLong()).isEqualTo(20003);
        assertThat(report.get("rows_written").asLong()).isEqualTo(20003);
        assertSameRows("pm_scattered", "id");

        Response again = sync(mapping("pm_scattered", List.of("id"), "upsert"));
        assertThat(report(again).get("ranges_differing").asLong()).as(again.body()).isZero();
        assertThat(report(again).get("rows_changed").asLong()).isZero();
    }

    @Test
    void aMirrorWithTextKeysInAnIcuCollationFindsTheDeletesOfBothParts(CapturedOutput output) {
        sourceTable("pm_text", "code text COLLATE \"en-US-x-icu\" PRIMARY KEY, n int",
                "SELECT CASE WHEN g % 2 = 0 THEN upper(md5(g::text)) ELSE md5(g::text) END, g FROM generate_series(1, 6000) g");
        sync(mapping("pm_text", List.of("code"), "mirror"));
        TestDatabases.execute(dbs.source(), "UPDATE public.pm_text SET n = -n WHERE n % 3 = 1");
        // Deletes at both ends of the key space (in C order, digits before upper before lower case), so in both parts.
        long deleted = count("WITH d AS (DELETE FROM public.pm_text WHERE code COLLATE \"C\" < '08' OR code COLLATE \"C\" > 'f8' "
                + "RETURNING 1) SELECT count(*) FROM d");
        long changed = count("SELECT count(*) FROM public.pm_text WHERE n < 0");
        TestDatabases.execute(dbs.source(), "INSERT INTO public.pm_text VALUES ('Bz', 1), ('bA', 2), ('00', 3), ('zzzz', 4)");
        assertThat(deleted).isGreaterThan(20);

        Response resync = sync(mapping("pm_text", List.of("code"), "mirror"));

        assertThat(lastComparison(output, "pm_text")).contains(IN_PARTS);
        JsonNode report = report(resync);
        assertThat(report.get("rows_changed").asLong()).as(report.toString()).isEqualTo(changed + 4);
        assertThat(report.get("rows_deleted").asLong()).as(report.toString()).isEqualTo(deleted);
        assertSameRows("pm_text", "code COLLATE \"C\"");

        Response again = sync(mapping("pm_text", List.of("code"), "mirror"));
        assertThat(report(again).get("ranges_differing").asLong()).as(again.body()).isZero();
        assertThat(report(again).get("rows_deleted").asLong()).isZero();
    }

    @Test
    void differingRangesOfACompositeKeyAreMergedInTwoPartsAndTheRestIsLeftAlone(CapturedOutput output) {
        sourceTable("pm_composite", "a int, b text, n int, PRIMARY KEY (a, b)",
                "SELECT g / 100, 'k' || lpad((g % 100)::text, 3, '0'), g FROM generate_series(1, 12000) g");
        sync(mapping("pm_composite", List.of("a", "b"), "mirror"));
        // Two blocks of changes, one in each half of the key space; every range between them is equal.
        long changed = count("WITH c AS (UPDATE public.pm_composite SET n = -n WHERE a BETWEEN 10 AND 25 OR a BETWEEN 80 AND 95 "
                + "RETURNING 1) SELECT count(*) FROM c");
        long deleted = count("WITH d AS (DELETE FROM public.pm_composite WHERE (a = 12 OR a = 90) AND n % 2 = 0 RETURNING 1) "
                + "SELECT count(*) FROM d");

        Response resync = sync(mapping("pm_composite", List.of("a", "b"), "mirror"));

        assertThat(lastComparison(output, "pm_composite")).contains("only they are read and merged").contains(IN_PARTS);
        JsonNode report = report(resync);
        assertThat(report.get("rows_changed").asLong()).as(report.toString()).isEqualTo(changed - deleted);
        assertThat(report.get("rows_deleted").asLong()).as(report.toString()).isEqualTo(deleted);
        assertThat(report.get("rows_merged").asLong()).as(report.toString()).isLessThan(12000 / 2);
        assertSameRows("pm_composite", "a, b COLLATE \"C\"");
    }

    @Test
    void aSmallMergeRunsInOne(CapturedOutput output) {
        sourceTable("pm_small", "id int PRIMARY KEY, n int", "SELECT g, g FROM generate_series(1, 3000) g");
        sync(mapping("pm_small", List.of("id"), "mirror"));
        TestDatabases.execute(dbs.source(), "UPDATE public.pm_small SET n = -n WHERE id BETWEEN 100 AND 200");

        Response resync = sync(mapping("pm_small", List.of("id"), "mirror"));

        assertThat(lastComparison(output, "pm_small")).contains("only they are read and merged").doesNotContain("parts");
        assertThat(report(resync).get("rows_changed").asLong()).isEqualTo(101);
        assertSameRows("pm_small", "id");
    }
}
