package ai.originchain.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.TargetColumn;

class TargetTablesTest {

    private final TestDatabases dbs = TestDatabases.get();

    @Test
    void createsSchemaAndTableWithKeyAndNoDefaults() {
        TestDatabases.execute(dbs.targetStore(), "DROP SCHEMA IF EXISTS tables_unit CASCADE");
        SyncRun run = Manifests.run("tables_unit", Manifests.mapping("src", "Mixed Case", List.of("k1", "k2"), null));
        MappingJob job = run.jobs().get(0);
        job.targetPlan(new TargetPlan("tables_unit", "Mixed Case", List.of(
                new TargetColumn("k1", "bigint", false), new TargetColumn("k2", "text", false),
                new TargetColumn("v", "numeric(12,2)[]", true)), List.of("k1", "k2"), false));

        LoadTables loads = new LoadTables(TestDatabases.targetConnections());
        new TargetTables(TestDatabases.targetConnections(), loads).ensure(job);

        assertThat(job.report().toJson().get("schema_created")).isEqualTo(true);
        // Loaded first as a side table without key; the target table appears only once published.
        assertThat(TestDatabases.single(dbs.targetStore(), "SELECT to_regclass('tables_unit.\"Mixed Case\"') IS NULL"))
                .isEqualTo("t");
        assertThat(job.loadTable()).isEqualTo("_oc_load_Mixed Case");
        loads.publish(job);

        assertThat(TestDatabases.single(dbs.targetStore(), "SELECT to_regclass('tables_unit.\"_oc_load_Mixed Case\"') IS NULL"))
                .isEqualTo("t");
        assertThat(TestDatabases.single(dbs.targetStore(), "SELECT conname FROM pg_constraint "
                + "WHERE conrelid = 'tables_unit.\"Mixed Case\"'::regclass AND contype = 'p'")).isEqualTo("Mixed Case_pkey");
        assertThat(TestDatabases.query(dbs.targetStore(), """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atthasdef::text
                  FROM pg_attribute a WHERE a.attrelid = 'tables_unit."Mixed Case"'::regclass AND a.attnum > 0
                 ORDER BY a.attnum"""))
                .containsExactly(List.of("k1", "bigint", "false"), List.of("k2", "text", "false"),
                        List.of("v", "numeric(12,2)[]", "false"));
        assertThat(TestDatabases.single(dbs.targetStore(), """
                SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_index i
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                 WHERE i.indrelid = 'tables_unit."Mixed Case"'::regclass AND i.indisprimary""")).isEqualTo("k1,k2");
    }

    @Test
    void aKeyTheLoadedRowsRepeatIsA422OnPrimaryKeyAndTheSideTableIsDropped() {
        TestDatabases.execute(dbs.targetStore(), "DROP SCHEMA IF EXISTS tables_dupes CASCADE");
        SyncRun run = Manifests.run("tables_dupes", Manifests.mapping("src", "dupes", List.of("id"), null));
        MappingJob job = run.jobs().get(0);
        job.targetPlan(new TargetPlan("tables_dupes", "dupes", List.of(
                new TargetColumn("id", "bigint", false), new TargetColumn("v", "text", true)), List.of("id"), false));
        LoadTables loads = new LoadTables(TestDatabases.targetConnections());
        new TargetTables(TestDatabases.targetConnections(), loads).ensure(job);
        TestDatabases.execute(dbs.targetStore(), "INSERT INTO tables_dupes._oc_load_dupes VALUES (1, 'a'), (2, 'b'), (1, 'c')");

        assertThatThrownBy(() -> loads.publish(job)).isInstanceOfSatisfying(SyncFailure.class, failure -> {
            assertThat(failure.kind()).isEqualTo(SyncFailure.Kind.MISMATCH);
            assertThat(failure.errors()).extracting(FieldError::field).containsExactly("mappings[0].primary_key");
        });
        assertThat(TestDatabases.single(dbs.targetStore(), "SELECT count(*) FROM pg_class "
                + "WHERE relnamespace = 'tables_dupes'::regnamespace AND relkind = 'r'")).isEqualTo("0");
    }
}
