package ai.originchain.ingest.source.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.originchain.ingest.store.TargetPlan;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.ParallelBatches;
import ai.originchain.ingest.sync.PartedRead;
import ai.originchain.ingest.sync.RowBatch;
import ai.originchain.ingest.sync.RowSource;
import ai.originchain.ingest.sync.SyncRun;

/** A table read as ctid ranges of one snapshot, in parallel: exactly the snapshot's rows, each once. */
class ParallelReadTest {

    private static final TestDatabases dbs = TestDatabases.get();

    @BeforeAll
    static void seed() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.parts_unit",
                "CREATE TABLE public.parts_unit (id int PRIMARY KEY, body text)",
                "INSERT INTO public.parts_unit SELECT g, md5(g::text) || repeat('y', g % 90) FROM generate_series(1, 20000) g",
                // Holes in the pages, and rows moved to the end of the table by updates.
                "DELETE FROM public.parts_unit WHERE id % 7 = 0",
                "UPDATE public.parts_unit SET body = body || '!' WHERE id % 11 = 0",
                "CREATE OR REPLACE VIEW public.parts_view AS SELECT * FROM public.parts_unit",
                "GRANT SELECT ON public.parts_unit, public.parts_view TO readonly");
    }

    private record Read(int parts, List<String> rows) {
    }

    private Read read(String table, int parts, long minPartBytes, Runnable afterOpen) throws Exception {
        SyncRun run = Manifests.run("unit", Manifests.mapping(table, "parts_unit", List.of("id"), null));
        MappingJob job = run.jobs().get(0);
        try (SourceSnapshot snapshot = SourceSnapshot.open(TestDatabases.sourceConnector(), run.source())) {
            job.sourceTable(new SourceCatalog().check(snapshot.coordinator(), run.manifest().mappings()).tables().get(0));
            job.targetPlan(new TargetPlan("unit", "parts_unit", List.of(), List.of("id"), false));
            List<RowSource> reads = TableReader.openParts(snapshot, job.sourceTable(), null, parts, minPartBytes);
            afterOpen.run();
            List<String> rows = new ArrayList<>();
            try (ParallelBatches batches = new ParallelBatches(job, new PartedRead(reads), 700, 1 << 20)) {
                while (batches.hasNext()) {
                    RowBatch batch = batches.next();
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    batch.writeTo(out::write);
                    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
                    assertThat(lines).hasSize(batch.rows());
                    rows.addAll(List.of(lines));
                }
            }
            assertThat(job.report().rowsRead()).isEqualTo(rows.size());
            return new Read(reads.size(), rows);
        }
    }

    private static List<String> sourceRows(String table) {
        return TestDatabases.query(dbs.source(), "SELECT id::text || E'\\t' || body FROM " + table + " ORDER BY id")
                .stream().map(r -> r.get(0)).toList();
    }

    @Test
    void threeRangesHoldExactlyTheSnapshotsRows() throws Exception {
        List<String> expected = sourceRows("public.parts_unit");

        // Rows written after the snapshot was taken land on new pages, in the open-ended last range: not read.
        Read read = read("parts_unit", 3, 64 * 1024, () -> TestDatabases.execute(dbs.source(),
                "INSERT INTO public.parts_unit SELECT g, 'late' FROM generate_series(30001, 31000) g"));
        TestDatabases.execute(dbs.source(), "DELETE FROM public.parts_unit WHERE id > 30000");

        assertThat(read.parts()).isEqualTo(3);
        assertThat(read.rows()).hasSize(expected.size()).doesNotHaveDuplicates();
        assertThat(read.rows().stream().sorted(java.util.Comparator.comparingInt(r -> Integer.parseInt(r.split("\t")[0]))))
                .containsExactlyElementsOf(expected);
    }

    @Test
    void aSmallTableOrAViewIsReadInOne() throws Exception {
        List<String> expected = sourceRows("public.parts_unit");

        Read small = read("parts_unit", 3, 1L << 30, () -> { });
        Read view = read("parts_view", 3, 1024, () -> { });

        assertThat(small.parts()).isEqualTo(1);
        assertThat(view.parts()).isEqualTo(1);
        assertThat(small.rows()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(view.rows()).containsExactlyInAnyOrderElementsOf(expected);
    }
}
