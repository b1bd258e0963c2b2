package ai.originchain.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.source.postgres.SourceCatalog;
import ai.originchain.ingest.source.postgres.SourceConnector;
import ai.originchain.ingest.source.postgres.SourceSnapshot;
import ai.originchain.ingest.source.postgres.TableReader;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.store.TargetPlan;

class RowBatcherTest {

    private static final TestDatabases dbs = TestDatabases.get();

    @BeforeAll
    static void seed() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.batcher_unit",
                "CREATE TABLE public.batcher_unit (id int PRIMARY KEY, body text)",
                "INSERT INTO public.batcher_unit SELECT g, repeat('x', 100) FROM generate_series(1, 2500) g",
                "GRANT SELECT ON public.batcher_unit TO readonly");
    }

    private List<RowBatch> batches(int batchRows, int batchBytes) throws Exception {
        SyncRun run = Manifests.run("unit", Manifests.mapping("batcher_unit", "batcher_unit", List.of("id"), null));
        MappingJob job = run.jobs().get(0);
        try (SourceSnapshot snapshot = SourceSnapshot.open(TestDatabases.sourceConnector(), run.source())) {
            job.sourceTable(new SourceCatalog().check(snapshot.coordinator(), run.manifest().mappings()).tables().get(0));
            job.targetPlan(new TargetPlan("unit", "batcher_unit", List.of(), List.of("id"), false));
            List<RowBatch> batches = new ArrayList<>();
            try (RowBatcher batcher = new RowBatcher(job, TableReader.open(snapshot, job.sourceTable()), batchRows, batchBytes)) {
                batcher.forEachRemaining(batches::add);
            }
            assertThat(job.report().rowsRead()).isEqualTo(2500);
            return batches;
        }
    }

    /** The batch's bytes in one array, as the writer sends them. */
    static byte[] bytes(RowBatch batch) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        batch.writeTo(out::write);
        assertThat(out.size()).isEqualTo(batch.length());
        return out.toByteArray();
    }

    @Test
    void holdsABatchInChunksNoneLargerThanTheChunkSize() throws Exception {
        List<RowBatch> batches = batches(100_000, 4 << 20);
        assertThat(batches).hasSize(1);
        RowBatch batch = batches.get(0);
        assertThat(batch.chunks()).hasSizeGreaterThan(1)
                .allSatisfy(c -> assertThat(c.length).isLessThanOrEqualTo(RowBatcher.CHUNK_BYTES));
        String text = new String(bytes(batch), java.nio.charset.StandardCharsets.UTF_8);
        String[] lines = text.split("\n");
        assertThat(lines).hasSize(2500);
        for (int i = 0; i < lines.length; i++) {
            assertThat(lines[i]).isEqualTo((i + 1) + "\t" + "x".repeat(100));
        }
    }

    @Test
    void cutsBatchesByRowCount() throws Exception {
        List<RowBatch> batches = batches(1000, 1 << 20);
        assertThat(batches).extracting(RowBatch::rows).containsExactly(1000, 1000, 500);
        assertThat(new String(bytes(batches.get(0)), 0, 4)).isEqualTo("1\txx");
    }

    @Test
    void cutsBatchesByBytesAtRowBoundaries() throws Exception {
        List<RowBatch> batches = batches(100_000, 10_000);
        assertThat(batches).allSatisfy(b -> {
            assertThat(b.length()).isLessThanOrEqualTo(10_000);
            assertThat(bytes(b)[b.length() - 1]).isEqualTo((byte) '\n');
        });
        assertThat(batches.stream().mapToInt(RowBatch::rows).sum()).isEqualTo(2500);
    }
}
