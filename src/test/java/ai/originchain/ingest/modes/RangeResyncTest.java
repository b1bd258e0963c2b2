package ai.originchain.ingest.modes;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * A re-sync compares key ranges by count and hash and reads only those that differ: whatever the key's
 * type, the changed, deleted and inserted rows are found and nothing else is read; equal data in
 * another form is merged and left alone; a concurrent writer at the source never makes the target
 * leave the sync's snapshot.
 */
class RangeResyncTest extends ConnectorTest {

    private static final int ROWS = 3000;

    private Response sync(Map<String, Object> mapping) {
        return post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(mapping)));
    }

    private static Map<String, Object> mirror(String table, List<String> key) {
        Map<String, Object> m = new LinkedHashMap<>(mapping("public." + table, table, key, null));
        m.put("mode", "mirror");
        return m;
    }

    private static JsonNode mapping0(Response r) {
        return r.json().get("mappings").get(0);
    }

    private void assertSameRows(String table, String orderBy) {
        assertThat(fingerprint(target(), "acme." + table, "*", orderBy))
                .isEqualTo(fingerprint(source(), "public." + table, "*", orderBy));
    }

    private static long count(String sql) {
        return Long.parseLong(TestDatabases.single(dbs.source(), sql));
    }

    /**
     * First sync, then: rows changed in one range, deleted in another, inserted in a third and beyond
     * both ends of the target's keys. The mirror re-sync finds exactly them and reads a few ranges only.
     */
    private void findsTheChangedRanges(String name, String columns, List<String> key, String rows, String orderBy,
                                       String change, String delete, String... inserts) {
        sourceTable(name, columns, rows);
        Response first = sync(mirror(name, key));
        assertThat(first.status()).as(first.body()).isEqualTo(200);

        Response unchanged = sync(mirror(name, key));
        assertThat(unchanged.status()).as(unchanged.body()).isEqualTo(200);
        JsonNode same = mapping0(unchanged);
        assertThat(same.get("ranges_compared").asLong()).as(same.toString()).isGreaterThan(10);
        assertThat(same.get("ranges_differing").asLong()).as(same.toString()).isZero();
        assertThat(same.get("rows_changed").asLong()).isZero();
        assertThat(same.get("rows_merged").asLong()).isZero();
        assertThat(same.get("rows_read").asLong()).isEqualTo(ROWS);

        long changed = count("WITH c AS (UPDATE public." + name + " SET " + change + " RETURNING 1) SELECT count(*) FROM c");
        long deleted = count("WITH d AS (DELETE FROM public." + name + " WHERE " + delete + " RETURNING 1) SELECT count(*) FROM d");
        for (String insert : inserts) {
            TestDatabases.execute(dbs.source(), "INSERT INTO public." + name + " " + insert);
        }
        long inserted = count("SELECT count(*) FROM public." + name) - (ROWS - deleted);
        assertThat(changed).isPositive();
        assertThat(deleted).isPositive();
        assertThat(inserted).isGreaterThanOrEqualTo(3);

        Response second = sync(mirror(name, key));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        JsonNode report = mapping0(second);
        assertThat(report.get("rows_changed").asLong()).as(report.toString()).isEqualTo(changed + inserted);
        assertThat(report.get("rows_deleted").asLong()).as(report.toString()).isEqualTo(deleted);
        assertThat(report.get("ranges_differing").asLong()).as(report.toString())
                .isPositive().isLessThan(report.get("ranges_compared").asLong() / 3);
        assertThat(report.get("rows_merged").asLong()).as(report.toString()).isLessThan(ROWS / 3);
        assertSameRows(name, orderBy);

        Response third = sync(mirror(name, key));
        assertThat(mapping0(third).get("ranges_differing").asLong()).as(third.body()).isZero();
        assertThat(mapping0(third).get("rows_changed").asLong()).isZero();
    }

    @Test
    void integerKeys() {
        findsTheChangedRanges("rr_int", "id int PRIMARY KEY, name text, amount numeric(12,2)", List.of("id"),
                "SELECT g * 10, 'n' || g, g / 7.0 FROM generate_series(1, 3000) g", "id",
                "name = 'changed' WHERE id BETWEEN 5000 AND 5030",
                "id BETWEEN 20000 AND 20040",
                "VALUES (12345, 'new', 1), (-5, 'below', 2), (999999, 'above', 3)");
    }

    @Test
    void textKeysWithAnIcuCollationAtTheSource() {
        findsTheChangedRanges("rr_text", "code text COLLATE \"en-US-x-icu\" PRIMARY KEY, n int", List.of("code"),
                "SELECT CASE WHEN g % 2 = 0 THEN upper(md5(g::text)) ELSE md5(g::text) END, g FROM generate_series(1, 3000) g",
                "code COLLATE \"C\"",
                "n = -n WHERE code COLLATE \"C\" BETWEEN '3' AND '33'",
                "code COLLATE \"C\" BETWEEN 'a' AND 'a3'",
                "VALUES ('Bz', 1), ('bA', 2), ('00', 3), ('zzzz', 4), ('ZZ', 5)");
    }

    @Test
    void uuidKeys() {
        findsTheChangedRanges("rr_uuid", "id uuid PRIMARY KEY, n int", List.of("id"),
                "SELECT md5(g::text)::uuid, g FROM generate_series(1, 3000) g", "id",
                "n = n + 1 WHERE id BETWEEN '30000000-0000-0000-0000-000000000000' AND '31000000-0000-0000-0000-000000000000'",
                "id BETWEEN 'a0000000-0000-0000-0000-000000000000' AND 'a1000000-0000-0000-0000-000000000000'",
                "VALUES ('00000000-0000-0000-0000-000000000000', 1), ('ffffffff-ffff-ffff-ffff-ffffffffffff', 2), "
                        + "('77777777-7777-7777-7777-777777777777', 3)");
    }

    @Test
    void compositeKeysOfIntegerAndText() {
        findsTheChangedRanges("rr_composite", "tenant int, code text COLLATE \"en-US-x-icu\", n int, PRIMARY KEY (tenant, code)",
                List.of("tenant", "code"),
                "SELECT g % 30, CASE WHEN g % 2 = 0 THEN 'K' ELSE 'k' END || g, g FROM generate_series(1, 3000) g",
                "tenant, code COLLATE \"C\"",
                "n = n + 1 WHERE tenant = 7 AND code COLLATE \"C\" < 'k5'",
                "tenant = 20",
                "VALUES (-1, 'a', 1), (99, 'z', 2), (12, 'a', 3), (12, 'Z', 4)");
    }

    @Test
    void numericKeys() {
        findsTheChangedRanges("rr_numeric", "id numeric PRIMARY KEY, n int", List.of("id"),
                "SELECT g / 8.0, g FROM generate_series(1, 2997) g UNION ALL VALUES ('NaN'::numeric, 0), ('-Infinity', 0), ('Infinity', 0)",
                "id",
                "n = n + 1 WHERE id BETWEEN 100 AND 102.5",
                "id BETWEEN 300 AND 305",
                "VALUES (150.0625, 1), (-1e10, 2), (1e10, 3)");
    }

    /** Many scattered changes: more runs than ORed comparisons serve, so the read selects them by one search per row. */
    private void findsManyScatteredRuns(String name, String columns, List<String> key, String rows, String orderBy,
                                        String change, String delete) {
        sourceTable(name, columns, rows);
        assertThat(sync(mirror(name, key)).status()).isEqualTo(200);
        long changed = count("WITH c AS (UPDATE public." + name + " SET " + change + " RETURNING 1) SELECT count(*) FROM c");
        long deleted = count("WITH d AS (DELETE FROM public." + name + " WHERE " + delete + " RETURNING 1) SELECT count(*) FROM d");

        Response resync = sync(mirror(name, key));

        assertThat(resync.status()).as(resync.body()).isEqualTo(200);
        JsonNode report = mapping0(resync);
        assertThat(report.get("ranges_differing").asLong()).as(report.toString()).isGreaterThan(40)
                .isLessThan(report.get("ranges_compared").asLong() * 3 / 4);
        assertThat(report.get("rows_changed").asLong()).as(report.toString()).isEqualTo(changed);
        assertThat(report.get("rows_deleted").asLong()).as(report.toString()).isEqualTo(deleted);
        assertThat(report.get("rows_merged").asLong()).as(report.toString()).isLessThan(6000 * 3 / 4);
        assertThat(report.get("rows_read").asLong()).as(report.toString()).isEqualTo(6000 - deleted);
        assertSameRows(name, orderBy);
    }

    @Test
    void aSourceWithoutAnIndexOnTheKeyHashesItsRangesAlikeInOneScan() {
        // The source's key has no index: it hashes in one grouped scan, the target by index range scans.
        sourceTable("rr_no_index", "id int NOT NULL, n text", "SELECT g, 'n' || g FROM generate_series(1, 3000) g");
        assertThat(sync(mirror("rr_no_index", List.of("id"))).status()).isEqualTo(200);

        Response resync = sync(mirror("rr_no_index", List.of("id")));

        JsonNode report = mapping0(resync);
        assertThat(report.get("ranges_compared").asLong()).as(report.toString()).isGreaterThan(10);
        assertThat(report.get("ranges_differing").asLong()).as(report.toString()).isZero();
        assertThat(report.get("rows_merged").asLong()).isZero();
    }

    @Test
    void changesInMostRangesAreSeenByTheProbeAndTheWholeTableIsMerged() {
        sourceTable("rr_probe", "id int PRIMARY KEY, n int", "SELECT g, g FROM generate_series(1, 20000) g");
        assertThat(sync(mirror("rr_probe", List.of("id"))).status()).isEqualTo(200);
        long changed = count("WITH c AS (UPDATE public.rr_probe SET n = -n WHERE id % 10 = 3 RETURNING 1) SELECT count(*) FROM c");

        Response resync = sync(mirror("rr_probe", List.of("id")));

        assertThat(resync.status()).as(resync.body()).isEqualTo(200);
        JsonNode report = mapping0(resync);
        // Only the probe's 32 ranges were hashed; nearly all differ, so the table was merged whole.
        assertThat(report.get("ranges_compared").asLong()).as(report.toString()).isEqualTo(32);
        assertThat(report.get("ranges_differing").asLong()).as(report.toString()).isGreaterThan(24);
        assertThat(report.get("rows_merged").asLong()).as(report.toString()).isEqualTo(20000);
        assertThat(report.get("rows_changed").asLong()).as(report.toString()).isEqualTo(changed);
        assertSameRows("rr_probe", "id");
    }

    @Test
    void manyScatteredChangesWithAnIntegerKey() {
        findsManyScatteredRuns("rr_many", "id int PRIMARY KEY, n int", List.of("id"),
                "SELECT g, g FROM generate_series(1, 6000) g", "id", "n = -n WHERE id % 256 = 5", "id % 256 = 133");
    }

    @Test
    void manyScatteredChangesWithACompositeKey() {
        findsManyScatteredRuns("rr_many_composite", "a int, b text, n int, PRIMARY KEY (a, b)", List.of("a", "b"),
                "SELECT g / 100, 'k' || lpad((g % 100)::text, 3, '0'), g FROM generate_series(1, 6000) g", "a, b COLLATE \"C\"",
                "n = -n WHERE n % 256 = 5", "n % 256 = 133");
    }

    @Test
    void aValueEqualByEqualsButWrittenOtherwiseIsFoundInItsRangeAndTheSourcesFormRestored() {
        sourceTable("rr_scale", "id int PRIMARY KEY, amount numeric", "SELECT g, 1.0 FROM generate_series(1, 3000) g");
        assertThat(sync(mirror("rr_scale", List.of("id"))).status()).isEqualTo(200);
        // 1.00 = 1.0, but the scale is part of the value the service keeps: the hash tells them apart.
        TestDatabases.execute(target(), "UPDATE acme.rr_scale SET amount = 1.00 WHERE id = 1500");

        Response resync = sync(mirror("rr_scale", List.of("id")));

        assertThat(resync.status()).as(resync.body()).isEqualTo(200);
        JsonNode report = mapping0(resync);
        assertThat(report.get("ranges_differing").asLong()).as(report.toString()).isEqualTo(1);
        assertThat(report.get("rows_merged").asLong()).as(report.toString()).isPositive().isLessThan(200);
        assertThat(report.get("rows_changed").asLong()).isEqualTo(1);
        assertThat(report.get("rows_deleted").asLong()).isZero();
        assertThat(TestDatabases.single(target(), "SELECT amount::text FROM acme.rr_scale WHERE id = 1500")).isEqualTo("1.0");
        assertSameRows("rr_scale", "id");
    }

    @Test
    void equalDataWhoseBinaryFormDiffersIsMergedAndChangesNothing() {
        // Declared bigint at the target for an integer at the source: the same values, another type in the rows' binary form.
        sourceTable("rr_declared", "id int PRIMARY KEY, n int", "SELECT g, g FROM generate_series(1, 3000) g");
        Map<String, Object> body = Map.of("source", tlsSource("require"),
                "mappings", List.of(mirror("rr_declared", List.of("id"))),
                "schemas", List.of(Map.of("name", "rr_declared", "columns", List.of(Map.of("name", "n", "type", "bigint")))));
        assertThat(post("acme", ACME_TOKEN, body).status()).isEqualTo(200);
        List<String> before = fingerprint(target(), "acme.rr_declared", "*", "id");

        Response resync = post("acme", ACME_TOKEN, body);

        assertThat(resync.status()).as(resync.body()).isEqualTo(200);
        JsonNode report = mapping0(resync);
        assertThat(report.get("ranges_differing").asLong()).as(report.toString()).isEqualTo(report.get("ranges_compared").asLong());
        assertThat(report.get("rows_merged").asLong()).as(report.toString()).isEqualTo(3000);
        assertThat(report.get("rows_changed").asLong()).isZero();
        assertThat(report.get("rows_deleted").asLong()).isZero();
        assertThat(fingerprint(target(), "acme.rr_declared", "*", "id")).isEqualTo(before);
    }

    @Test
    void domainsAndEnumsHashAsTheTargetHoldsThem() {
        TestDatabases.execute(dbs.source(), "DROP TABLE IF EXISTS public.rr_domain", "DROP DOMAIN IF EXISTS public.rr_positive",
                "DROP TYPE IF EXISTS public.rr_mood", "CREATE DOMAIN public.rr_positive AS int CHECK (VALUE > 0)",
                "CREATE TYPE public.rr_mood AS ENUM ('sad', 'ok', 'happy')");
        sourceTable("rr_domain", "id int PRIMARY KEY, n public.rr_positive, mood public.rr_mood",
                "SELECT g, g, (ARRAY['sad', 'ok', 'happy'])[g % 3 + 1]::public.rr_mood FROM generate_series(1, 3000) g");
        assertThat(sync(mirror("rr_domain", List.of("id"))).status()).isEqualTo(200);

        Response unchanged = sync(mirror("rr_domain", List.of("id")));
        assertThat(unchanged.status()).as(unchanged.body()).isEqualTo(200);
        assertThat(mapping0(unchanged).get("ranges_differing").asLong()).as(unchanged.body()).isZero();
        assertThat(mapping0(unchanged).get("rows_merged").asLong()).isZero();

        TestDatabases.execute(dbs.source(), "UPDATE public.rr_domain SET mood = 'happy' WHERE id = 1000 AND mood <> 'happy'",
                "UPDATE public.rr_domain SET mood = 'sad' WHERE id = 1000 AND mood = 'happy'", "UPDATE public.rr_domain SET n = 7 WHERE id = 2500");
        Response changed = sync(mirror("rr_domain", List.of("id")));
        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        assertThat(mapping0(changed).get("ranges_differing").asLong()).as(changed.body()).isEqualTo(2);
        assertThat(mapping0(changed).get("rows_changed").asLong()).isEqualTo(2);
        assertThat(fingerprint(target(), "acme.rr_domain", "id, n, mood::text", "id"))
                .isEqualTo(fingerprint(source(), "public.rr_domain", "id, n, mood::text", "id"));
    }

    @Test
    void anUnchangedResyncReadsAlmostNothingOfTheSource() {
        sourceTable("rr_quiet", "id int PRIMARY KEY, payload text", "SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 3000) g");
        Map<String, Object> upsert = mapping("public.rr_quiet", "rr_quiet", List.of("id"), null);
        assertThat(post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(upsert))).status())
                .isEqualTo(200);
        long tableBytes = count("SELECT sum(length(t::text) + 1) FROM public.rr_quiet t");

        Response resync = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(upsert)));

        JsonNode report = mapping0(resync);
        assertThat(report.get("ranges_differing").asLong()).as(report.toString()).isZero();
        assertThat(report.get("rows_changed").asLong()).isZero();
        assertThat(report.get("rows_read").asLong()).isEqualTo(3000);
        assertThat(report.get("bytes_merged").asLong() + report.get("bytes_read").asLong()).isLessThan(tableBytes / 50);
    }

    @Test
    void aConcurrentWriterDoesNotMakeTheTargetLeaveTheSnapshot() throws Exception {
        sourceTable("rr_money", "id int PRIMARY KEY, amount bigint", "SELECT g, 1000 FROM generate_series(1, 3000) g");
        long total = 3000L * 1000;
        Map<String, Object> m = mirror("rr_money", List.of("id"));
        assertThat(sync(m).status()).isEqualTo(200);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong transfers = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = dbs.source().getConnection();
                 PreparedStatement move = c.prepareStatement(
                         "UPDATE public.rr_money SET amount = amount + CASE WHEN id = ? THEN -7 ELSE 7 END WHERE id IN (?, ?)")) {
                c.setAutoCommit(false);
                while (!stop.get()) {
                    int from = ThreadLocalRandom.current().nextInt(1, 3001);
                    int to = ThreadLocalRandom.current().nextInt(1, 3001);
                    if (from == to) {
                        continue;
                    }
                    move.setInt(1, from);
                    move.setInt(2, from);
                    move.setInt(3, to);
                    move.executeUpdate();
                    c.commit();
                    transfers.incrementAndGet();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        Response during;
        try {
            org.awaitility.Awaitility.await().until(() -> transfers.get() > 10);
            during = sync(m);
            sync(m);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(during.status()).as(during.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT sum(amount) FROM acme.rr_money")).isEqualTo(String.valueOf(total));

        Response last = sync(m);
        assertThat(last.status()).as(last.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT sum(amount) FROM acme.rr_money")).isEqualTo(String.valueOf(total));
        assertSameRows("rr_money", "id");
    }
}
