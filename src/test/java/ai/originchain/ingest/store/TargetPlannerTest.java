package ai.originchain.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.SourceType;

class TargetPlannerTest {

    private final TestDatabases dbs = TestDatabases.get();
    private final TargetPlanner planner = new TargetPlanner(TestDatabases.targetConnections());

    private static SourceColumn column(String name, String type) {
        return new SourceColumn(name, ai.originchain.ingest.source.PostgresBuiltIn.of(type));
    }

    private SyncRun run(String table, SourceColumn... columns) {
        SyncRun run = Manifests.run("planner_unit", Manifests.mapping(table, table, List.of("id"), null));
        run.jobs().get(0).sourceTable(new SourceTable("public", table, List.of(columns), true, -1));
        return run;
    }

    @Test
    void aNewTableGetsTheSourceTypes() {
        SyncRun run = run("fresh", column("id", "bigint"), column("amount", "numeric(12,2)"));
        planner.plan(run);

        TargetPlan plan = run.jobs().get(0).targetPlan();
        assertThat(plan.exists()).isFalse();
        assertThat(plan.columns()).extracting(c -> c.name() + " " + c.type()).containsExactly("id bigint", "amount numeric(12,2)");
        assertThat(plan.columns().get(1).compareAsText()).isTrue();
    }

    @Test
    void anExistingTablePlansNewAndWidenedColumnsAndRefusesTheRest() {
        TestDatabases.execute(dbs.targetStore(), "CREATE SCHEMA IF NOT EXISTS planner_unit",
                "DROP TABLE IF EXISTS planner_unit.existing",
                "CREATE TABLE planner_unit.existing (id bigint PRIMARY KEY, qty integer, code varchar(5), old text)");

        SyncRun widening = run("existing", column("id", "bigint"), column("qty", "bigint"), column("note", "text"));
        planner.plan(widening);
        MappingJob job = widening.jobs().get(0);
        assertThat(job.targetPlan().changes()).extracting(SchemaChange::describe)
                .containsExactly("widened column qty from integer to bigint", "added column note text");
        assertThat(job.report().toJson().get("warnings").toString()).contains("column code of the target is no longer selected");

        SyncRun narrowing = run("existing", column("id", "bigint"), column("code", "character varying(2)"));
        SyncFailure refused = catchThrowableOfType(SyncFailure.class, () -> planner.plan(narrowing));
        assertThat(refused.kind()).isEqualTo(SyncFailure.Kind.MISMATCH);
        assertThat(refused.getMessage()).contains("'code' is character varying(5)");
    }
}
