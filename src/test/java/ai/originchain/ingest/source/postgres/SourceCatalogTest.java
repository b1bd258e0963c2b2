package ai.originchain.ingest.source.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceTable;

class SourceCatalogTest {

    private static final TestDatabases dbs = TestDatabases.get();
    private final SourceCatalog catalog = new SourceCatalog();

    @BeforeAll
    static void seed() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.catalog_unit",
                "DROP TYPE IF EXISTS public.catalog_mood",
                "CREATE TYPE public.catalog_mood AS ENUM ('sad', 'ok')",
                "CREATE TABLE public.catalog_unit (id int PRIMARY KEY, \"Name\" varchar(20), tags numeric(5,1)[], mood public.catalog_mood, dropped int)",
                "ALTER TABLE public.catalog_unit DROP COLUMN dropped");
    }

    private SourceCatalog.Checked check(MappingSpec mapping) throws Exception {
        try (Connection c = dbs.source().getConnection()) {
            return catalog.check(c, List.of(mapping));
        }
    }

    @Test
    void describesColumnsInTheirTypesAndOrder() throws Exception {
        SourceCatalog.Checked checked = check(Manifests.mapping("catalog_unit", "t", List.of("id"), null));

        assertThat(checked.errors()).isEmpty();
        SourceTable table = checked.tables().get(0);
        assertThat(table.columns()).extracting(SourceColumn::name).containsExactly("id", "Name", "tags", "mood");
        assertThat(table.columns()).extracting(c -> c.type().formatted())
                .containsExactly("integer", "character varying(20)", "numeric(5,1)[]", "catalog_mood");
        assertThat(table.columns().get(2).type().element().formatted()).isEqualTo("numeric(5,1)");
        assertThat(table.columns().get(3).type().kind()).isEqualTo('e');
        assertThat(table.keyIsUnique()).isTrue();
    }

    @Test
    void namesAreExactAndUnknownOnesAreNamed() throws Exception {
        SourceCatalog.Checked checked = check(Manifests.mapping("catalog_unit", "t", List.of("id"), List.of("id", "name")));
        assertThat(checked.errors()).extracting(FieldError::field).containsExactly("mappings[0].columns[1]");

        assertThat(check(Manifests.mapping("CATALOG_UNIT", "t", List.of("id"), null)).errors())
                .extracting(FieldError::field).containsExactly("mappings[0].source_table");
    }

    @Test
    void aKeyWithoutUniqueIndexIsFlagged() throws Exception {
        SourceCatalog.Checked checked = check(Manifests.mapping("catalog_unit", "t", List.of("Name"), null));
        assertThat(checked.tables().get(0).keyIsUnique()).isFalse();
    }
}
