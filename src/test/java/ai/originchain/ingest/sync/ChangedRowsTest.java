package ai.originchain.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.source.postgres.SourceCatalog;
import ai.originchain.ingest.source.postgres.SourceConnector;
import ai.originchain.ingest.source.postgres.SourceSnapshot;
import ai.originchain.ingest.source.postgres.TableReader;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.store.TargetPlanner;
import ai.originchain.ingest.store.UnchangedRows;

/** The merge-diff against real servers: what the target holds exactly is dropped, everything else goes on. */
class ChangedRowsTest {

    private static final TestDatabases dbs = TestDatabases.get();

    /** Key values COPY escapes, case and byte order traps, multi-byte UTF-8. */
    private static final String TEXT_KEYS = """
            (VALUES ('a'), ('A'), ('B'), ('b'), ('Zebra'), ('zebra'), ('aa'), ('a b'), (''), (E'a\\tb'), (E'a\\nb'),
                    (E'a\\\\b'), (E'\\\\'), (E'a\\\\'), (E'a\\rb'), (E'a\\bb'), (E'a\\fb'), (E'a\\013b'), ('a~'), ('a\u007f'),
                    ('é'), ('e'), ('f'), ('ß'), ('日本'), ('日'), ('😀'), ('Ω'), ('ω'), ('a_'), ('a-'), ('a.'), ('1'), ('10'), ('9'))
            """;

    private record Result(List<String> passed, MappingJob job) {
    }

    /** Creates source and target tables with {@code ddl}, fills both by {@code fill}, then applies the edits. */
    private static void tables(String name, String ddl, String fill, List<String> sourceEdits, List<String> targetEdits) {
        List<String> source = new ArrayList<>(List.of("DROP TABLE IF EXISTS public." + name,
                "CREATE TABLE public." + name + " " + ddl, "INSERT INTO public." + name + " " + fill,
                "GRANT SELECT ON public." + name + " TO readonly"));
        source.addAll(sourceEdits.stream().map(s -> s.replace("$T", "public." + name)).toList());
        TestDatabases.execute(dbs.source(), source.toArray(String[]::new));
        List<String> target = new ArrayList<>(List.of("CREATE SCHEMA IF NOT EXISTS diffunit",
                "DROP TABLE IF EXISTS diffunit." + name,
                "CREATE TABLE diffunit." + name + " " + ddl, "INSERT INTO diffunit." + name + " " + fill));
        target.addAll(targetEdits.stream().map(s -> s.replace("$T", "diffunit." + name)).toList());
        TestDatabases.execute(dbs.targetStore(), target.toArray(String[]::new));
    }

    private static Result diff(String name, List<String> key) throws Exception {
        SyncRun run = Manifests.run("diffunit", Manifests.mapping(name, name, key, null));
        MappingJob job = run.jobs().get(0);
        try (SourceSnapshot snapshot = SourceSnapshot.open(TestDatabases.sourceConnector(), run.source())) {
            job.sourceTable(new SourceCatalog().check(snapshot.coordinator(), run.manifest().mappings()).tables().get(0));
            new TargetPlanner(TestDatabases.targetConnections()).plan(run);
            assertThat(job.targetPlan().exists()).isTrue();
            KeyOrder order = job.keyOrder();
            assertThat(order).as("key order of " + name).isNotNull();
            assertStrictlyOrdered(order, TableReader.open(snapshot, job.sourceTable(), order));
            List<String> passed = new ArrayList<>();
            try (RowSource rows = new UnchangedRows(TestDatabases.targetConnections()).skip(job, TableReader.open(snapshot, job.sourceTable(), order))) {
                assertThat(rows).isInstanceOf(ChangedRows.class);
                for (byte[] row = rows.nextRow(); row != null; row = rows.nextRow()) {
                    passed.add(new String(row, StandardCharsets.UTF_8));
                }
            }
            return new Result(passed, job);
        }
    }

    /** PostgreSQL's ORDER BY and {@link KeyOrder#compare} agree: each row sorts strictly after the one before. */
    private static void assertStrictlyOrdered(KeyOrder order, TableReader reader) throws SQLException {
        try (reader) {
            byte[] previous = null;
            int[] previousSpans = order.newSpans();
            int[] spans = order.newSpans();
            for (byte[] row = reader.nextRow(); row != null; row = reader.nextRow()) {
                assertThat(order.locate(row, spans)).isTrue();
                if (previous != null) {
                    assertThat(order.compare(previous, previousSpans, row, spans))
                            .as("%s before %s", new String(previous, StandardCharsets.UTF_8), new String(row, StandardCharsets.UTF_8))
                            .isNegative();
                }
                previous = row;
                System.arraycopy(spans, 0, previousSpans, 0, spans.length);
            }
        }
    }

    @Test
    void integerKeysPassOnlyNewAndChangedRowsAndCountTheRestAsWritten() throws Exception {
        tables("diff_int", "(id bigint PRIMARY KEY, label text, amount numeric, at timestamptz, ratio float8, raw bytea, span interval)",
                "SELECT g, 'row ' || g, g / 7.0, timestamptz '2024-03-01 12:00:00+05:30' + g * interval '1 hour', g / 3.0, "
                        + "decode(md5(g::text), 'hex'), g * interval '90 minutes' FROM generate_series(-500, 2500) g",
                List.of("UPDATE $T SET label = 'changed' WHERE id = 10",
                        "UPDATE $T SET amount = 1.50 WHERE id = 20",
                        "INSERT INTO $T VALUES (5000, 'new', 1, now(), 0, NULL, NULL)"),
                List.of("UPDATE $T SET amount = 1.5 WHERE id = 20",
                        "DELETE FROM $T WHERE id BETWEEN 30 AND 32",
                        "UPDATE $T SET raw = NULL WHERE id = -7",
                        "INSERT INTO $T VALUES (4000, 'only in the target', 1, now(), 0, NULL, NULL)"));

        Result result = diff("diff_int", List.of("id"));

        assertThat(result.passed()).extracting(row -> row.substring(0, row.indexOf('\t')))
                .containsExactly("-7", "10", "20", "30", "31", "32", "5000");
        assertThat(result.job().report().rowsRead()).isEqualTo(3001 + 1 - result.passed().size());
        assertThat(result.job().report().rowsWritten()).isEqualTo(3001 + 1 - result.passed().size());
        assertThat(result.job().report().rowsChanged()).isZero();
    }

    @Test
    void textKeysSortLikeCollateCWhateverTheEscapesCaseAndScript() throws Exception {
        tables("diff_text", "(k text PRIMARY KEY, v int)", "SELECT k, length(k) FROM " + TEXT_KEYS + " AS t(k)",
                List.of("UPDATE $T SET v = -1 WHERE k IN (E'a\\tb', '日本', 'B')",
                        "INSERT INTO $T VALUES (E'new\\\\\\nkey', 0)"),
                List.of("DELETE FROM $T WHERE k IN ('ß', E'\\\\')"));

        Result result = diff("diff_text", List.of("k"));

        assertThat(result.passed()).containsExactlyInAnyOrder("B\t-1\n", "a\\tb\t-1\n", "日本\t-1\n", "new\\\\\\nkey\t0\n",
                "ß\t1\n", "\\\\\t1\n");
        assertThat(result.job().report().rowsRead()).isEqualTo(35 + 1 - 6);
    }

    @Test
    void compositeAndUuidKeysAreMergedToo() throws Exception {
        tables("diff_composite", "(region varchar(20), n int, id uuid, note text, PRIMARY KEY (region, n, id))",
                "SELECT r, g % 5, md5(r || g)::uuid, 'x' || g FROM unnest(ARRAY['eu', 'EU', 'us', 'ü', 'e u']) r, "
                        + "generate_series(1, 200) g",
                List.of("UPDATE $T SET note = 'changed' WHERE region = 'ü' AND note = 'x7'"),
                List.of());

        Result result = diff("diff_composite", List.of("region", "n", "id"));

        assertThat(result.passed()).hasSize(1).allSatisfy(row -> assertThat(row).startsWith("ü\t2\t").endsWith("\tchanged\n"));
        assertThat(result.job().report().rowsWritten()).isEqualTo(999);
    }

    @Test
    void numericKeysSortAsPostgresqlOrdersThemInfinitiesAndNaNIncluded() throws Exception {
        tables("diff_numeric", "(k numeric PRIMARY KEY, v int)",
                "SELECT k, 0 FROM unnest('{NaN,Infinity,-Infinity,0,-0.5,0.25,-10,10,1e20,-1e-20,3.14159,100.000,99.9999}'"
                        + "::numeric[]) AS t(k) UNION ALL SELECT g / 3.0, g FROM generate_series(-300, 300) g WHERE g % 3 <> 0",
                List.of("UPDATE $T SET v = 1 WHERE k IN ('NaN', '-Infinity', 3.14159)", "INSERT INTO $T VALUES (-1e30, 0)"),
                List.of("DELETE FROM $T WHERE k = 'Infinity'"));

        Result result = diff("diff_numeric", List.of("k"));

        assertThat(result.passed()).containsExactlyInAnyOrder("-Infinity\t1\n", "3.14159\t1\n", "NaN\t1\n", "Infinity\t0\n",
                "-1000000000000000000000000000000\t0\n");
    }

    @Test
    void keysWhoseOrderIsNotReproducedAreNotMerged() throws Exception {
        tables("diff_date", "(k date PRIMARY KEY, v int)", "SELECT DATE '2026-01-01' + g, g FROM generate_series(1, 10) g",
                List.of(), List.of());
        SyncRun run = Manifests.run("diffunit", Manifests.mapping("diff_date", "diff_date", List.of("k"), null));
        MappingJob job = run.jobs().get(0);
        try (SourceSnapshot snapshot = SourceSnapshot.open(TestDatabases.sourceConnector(), run.source())) {
            job.sourceTable(new SourceCatalog().check(snapshot.coordinator(), run.manifest().mappings()).tables().get(0));
            new TargetPlanner(TestDatabases.targetConnections()).plan(run);
        }
        assertThat(job.keyOrder()).isNull();
    }

    @Test
    void aTargetOutOfOrderStopsTheSkippingInsteadOfDroppingRows() throws Exception {
        tables("diff_order", "(id int PRIMARY KEY, v text)", "SELECT g, 'v' FROM generate_series(1, 5) g", List.of(), List.of());
        SyncRun run = Manifests.run("diffunit", Manifests.mapping("diff_order", "diff_order", List.of("id"), null));
        MappingJob job = run.jobs().get(0);
        try (SourceSnapshot snapshot = SourceSnapshot.open(TestDatabases.sourceConnector(), run.source())) {
            job.sourceTable(new SourceCatalog().check(snapshot.coordinator(), run.manifest().mappings()).tables().get(0));
            new TargetPlanner(TestDatabases.targetConnections()).plan(run);
        }
        KeyOrder order = job.keyOrder();
        RowSource source = rows("1\tv\n", "2\tv\n", "3\tv\n", "4\tv\n", "5\tv\n");
        RowSource target = rows("1\tv\n", "3\tv\n", "2\tv\n", "4\tv\n", "5\tv\n");
        List<String> passed = new ArrayList<>();
        try (ChangedRows changed = new ChangedRows(job, source, target, order)) {
            for (byte[] row = changed.nextRow(); row != null; row = changed.nextRow()) {
                passed.add(new String(row, StandardCharsets.UTF_8));
            }
            assertThat(changed.skipped()).isEqualTo(2);
        }
        // 1 and 3 are skipped while the target still looks ordered; from its 2 on, 4 and 5 go on although identical.
        assertThat(passed).containsExactly("2\tv\n", "4\tv\n", "5\tv\n");
    }

    private static RowSource rows(String... rows) {
        Deque<byte[]> queue = new ArrayDeque<>();
        for (String row : rows) {
            queue.add(row.getBytes(StandardCharsets.UTF_8));
        }
        return new RowSource() {
            @Override
            public byte[] nextRow() {
                return queue.poll();
            }

            @Override
            public void close() {
                queue.clear();
            }
        };
    }
}
