package ai.originchain.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.source.postgres.SourceCatalog;
import ai.originchain.ingest.source.postgres.SourceConnector;

class SourceInspectorTest {

    private static final TestDatabases dbs = TestDatabases.get();
    private final SourceInspector inspector = new SourceInspector(TestDatabases.sourceConnector(), new SourceCatalog());

    @BeforeAll
    static void seed() {
        TestDatabases.execute(dbs.source(),
                "CREATE TABLE IF NOT EXISTS public.inspector_unit (id int PRIMARY KEY, grp int)",
                "INSERT INTO public.inspector_unit VALUES (1, 7), (2, 7) ON CONFLICT DO NOTHING",
                "GRANT SELECT ON public.inspector_unit TO readonly");
    }

    @Test
    void opensTheSnapshotAndDescribesEachMapping() {
        SyncRun run = Manifests.run("unit", Manifests.mapping("inspector_unit", "t", List.of("id"), null));
        try (run) {
            inspector.inspect(run);
            assertThat(run.snapshot()).isNotNull();
            assertThat(run.jobs().get(0).sourceTable().columns()).extracting(SourceColumn::name).containsExactly("id", "grp");
        }
    }

    @Test
    void aKeyThatIsNotUniqueIsRefusedNamingADuplicate() {
        SyncRun run = Manifests.run("unit", Manifests.mapping("inspector_unit", "t", List.of("grp"), null));
        try (run) {
            SyncFailure problem = catchThrowableOfType(SyncFailure.class, () -> inspector.inspect(run));
            assertThat(problem.kind()).isEqualTo(SyncFailure.Kind.MISMATCH);
            assertThat(problem.errors().get(0).message()).contains("(7)");
        }
    }

    @Test
    void anUnknownTableIsRefused() {
        SyncRun run = Manifests.run("unit", Manifests.mapping("nope", "t", List.of("id"), null));
        try (run) {
            SyncFailure problem = catchThrowableOfType(SyncFailure.class, () -> inspector.inspect(run));
            assertThat(problem.kind()).isEqualTo(SyncFailure.Kind.MISMATCH);
            assertThat(problem.errors().get(0).field()).isEqualTo("mappings[0].source_table");
        }
    }
}
