package ai.originchain.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.RowBatch;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.TargetColumn;

class UpsertWriterTest {

    private final TestDatabases dbs = TestDatabases.get();
    private final UpsertWriter writer = new UpsertWriter(TestDatabases.targetConnections());

    @BeforeEach
    void freshTable() {
        TestDatabases.execute(dbs.targetStore(), "CREATE SCHEMA IF NOT EXISTS unit",
                "DROP TABLE IF EXISTS unit.items",
                "CREATE TABLE unit.items (id int PRIMARY KEY, label text, price numeric)");
    }

    private MappingJob job() {
        SyncRun run = Manifests.run("unit", Manifests.mapping("items", "items", List.of("id"), null));
        MappingJob job = run.jobs().get(0);
        job.targetPlan(new TargetPlan("unit", "items", List.of(
                new TargetColumn("id", "integer", false),
                new TargetColumn("label", "text", false),
                new TargetColumn("price", "numeric", true)), List.of("id"), true));
        return job;
    }

    private void write(MappingJob job, String copyText) {
        byte[] data = copyText.getBytes(StandardCharsets.UTF_8);
        writer.write(new RowBatch(job, data, data.length, (int) copyText.chars().filter(c -> c == '\n').count()));
    }

    @Test
    void upsertsRowsAsTheSourceWroteThem() {
        MappingJob job = job();
        write(job, "1\tone\t1.50\n2\t\\N\tNaN\n3\ttab\\there\t-0.000\n");

        assertThat(TestDatabases.query(dbs.targetStore(), "SELECT id, label, price::text FROM unit.items ORDER BY id"))
                .containsExactly(List.of("1", "one", "1.50"), java.util.Arrays.asList("2", null, "NaN"),
                        List.of("3", "tab\there", "0.000"));
        assertThat(job.report().rowsWritten()).isEqualTo(3);
        assertThat(job.report().rowsChanged()).isEqualTo(3);
    }

    @Test
    void unchangedRowsAreNotRewrittenButTextChangesAre() {
        MappingJob job = job();
        write(job, "1\tone\t1.5\n2\ttwo\t2\n");
        String before = TestDatabases.single(dbs.targetStore(), "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM unit.items");

        MappingJob again = job();
        // 1.50 equals 1.5 as a number, but not as text: the target must take the source's exact value.
        write(again, "1\tone\t1.50\n2\ttwo\t2\n");

        assertThat(again.report().rowsChanged()).isEqualTo(1);
        assertThat(TestDatabases.single(dbs.targetStore(), "SELECT price::text FROM unit.items WHERE id = 1")).isEqualTo("1.50");
        String after = TestDatabases.single(dbs.targetStore(), "SELECT xmin::text FROM unit.items WHERE id = 2");
        assertThat(before).endsWith("," + after);
    }

    @Test
    void aKeyTwiceInOneBatchIsRefusedAndTheBatchRolledBack() {
        MappingJob job = job();
        SyncFailure problem = catchThrowableOfType(SyncFailure.class,
                () -> write(job, "1\tfirst\t1\n1\tsecond\t2\n2\tonly\t3\n"));

        assertThat(problem.kind()).isEqualTo(SyncFailure.Kind.MISMATCH);
        assertThat(problem.errors().get(0).field()).isEqualTo("mappings[0].primary_key");
        assertThat(TestDatabases.single(dbs.targetStore(), "SELECT count(*) FROM unit.items")).isEqualTo("0");
    }
}
