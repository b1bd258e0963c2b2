package ai.originchain.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.SourceSpec;
import ai.originchain.ingest.sync.SyncManifest;

class ManifestParserTest {

    private final ManifestParser parser = new ManifestParser();

    private static final String QUICKSTART = """
            {"source": {"host": "pg.internal", "port": 5432, "database": "production", "user": "readonly",
                        "password": "***", "sslmode": "require"},
             "mappings": [{"source_table": "public.orders", "target_schema": "orders", "primary_key": ["id"],
                           "columns": ["id", "customer_id", "amount", "status", "created_at"]}]}""";

    private SyncManifest parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private List<String> fieldsAtFault(String json) {
        SyncFailure problem = catchThrowableOfType(SyncFailure.class, () -> parse(json));
        assertThat(problem).isNotNull();
        assertThat(problem.kind()).isEqualTo(SyncFailure.Kind.INVALID_REQUEST);
        return problem.errors().stream().map(FieldError::field).toList();
    }

    @Test
    void readsTheProductPageBody() {
        SyncManifest manifest = parse(QUICKSTART);

        assertThat(manifest.source().host()).isEqualTo("pg.internal");
        assertThat(manifest.source().sslMode()).isEqualTo(SourceSpec.SslMode.REQUIRE);
        assertThat(manifest.source().toString()).doesNotContain("***");
        assertThat(manifest.mappings()).hasSize(1);
        assertThat(manifest.mappings().get(0).sourceSchema()).isEqualTo("public");
        assertThat(manifest.mappings().get(0).sourceTable()).isEqualTo("orders");
        assertThat(manifest.mappings().get(0).columns()).containsExactly("id", "customer_id", "amount", "status", "created_at");
    }

    @Test
    void defaultsPortAndSchema() {
        SyncManifest manifest = parse(QUICKSTART.replace("\"port\": 5432, ", "").replace("public.orders", "orders"));
        assertThat(manifest.source().port()).isEqualTo(5432);
        assertThat(manifest.mappings().get(0).sourceTableName()).isEqualTo("public.orders");
    }

    @Test
    void refusesEverySslmodeButRequireAndVerifyFull() {
        for (String mode : List.of("disable", "allow", "prefer", "verify-ca", "Require", "")) {
            assertThat(fieldsAtFault(QUICKSTART.replace("\"require\"", "\"" + mode + "\""))).containsExactly("source.sslmode");
        }
        assertThat(fieldsAtFault(QUICKSTART.replace(", \"sslmode\": \"require\"", ""))).containsExactly("source.sslmode");
        assertThat(parse(QUICKSTART.replace("\"require\"", "\"verify-full\"")).source().sslMode())
                .isEqualTo(SourceSpec.SslMode.VERIFY_FULL);
    }

    @Test
    void namesEveryFieldAtFault() {
        String bad = """
                {"source": {"host": "", "port": 70000, "database": "d", "user": "u", "sslmode": "require", "extra": 1},
                 "mappings": [{"source_table": "a.b.c", "target_schema": "Bad Name", "primary_key": [],
                               "columns": ["id", "id"]}]}""";
        assertThat(fieldsAtFault(bad)).contains("source.host", "source.port", "source.password", "source.extra",
                "mappings[0].source_table", "mappings[0].target_schema", "mappings[0].primary_key",
                "mappings[0].columns[1]");
    }

    @Test
    void requiresThePrimaryKeyAmongTheColumns() {
        assertThat(fieldsAtFault(QUICKSTART.replace("\"primary_key\": [\"id\"]", "\"primary_key\": [\"order_no\"]")))
                .containsExactly("mappings[0].primary_key[0]");
    }

    @Test
    void refusesTwoMappingsIntoOneTarget() {
        String twice = QUICKSTART.replace("\"mappings\": [{", "\"mappings\": [{\"source_table\": \"x\", \"target_schema\": \"orders\", \"primary_key\": [\"id\"]}, {");
        assertThat(fieldsAtFault(twice)).containsExactly("mappings[1].target_schema");
    }

    @Test
    void declaredTypesMustBeTypeNamesNotSql() {
        String declared = QUICKSTART.replace("]}]}", "]}], \"schemas\": [{\"name\": \"orders\", \"columns\": "
                + "[{\"name\": \"amount\", \"type\": \"numeric(12,2)\"}, {\"name\": \"status\", \"type\": \"text); DROP TABLE x; --\"}]}]}");
        assertThat(fieldsAtFault(declared)).containsExactly("schemas[0].columns[1].type");
        String fine = QUICKSTART.replace("]}]}", "]}], \"schemas\": [{\"name\": \"orders\", \"columns\": "
                + "[{\"name\": \"amount\", \"type\": \"Numeric(14, 4)\"}, {\"name\": \"created_at\", \"type\": \"timestamp with time zone\"}]}]}");
        assertThat(parse(fine).schemas().get(0).columns().get(0).type()).isEqualTo("numeric(14, 4)");
    }

    @Test
    void malformedJsonNamesThePlaceNotTheContent() {
        SyncFailure problem = catchThrowableOfType(SyncFailure.class, () -> parse("{\"source\": {\"password\": \"s3cr3t-canary\" ]"));
        assertThat(problem.kind()).isEqualTo(SyncFailure.Kind.INVALID_REQUEST);
        assertThat(problem.getMessage()).contains("line 1").doesNotContain("s3cr3t-canary");
        assertThatThrownBy(() -> parse("[]")).isInstanceOf(SyncFailure.class);
        assertThatThrownBy(() -> parse("{} {}")).isInstanceOf(SyncFailure.class);
        assertThatThrownBy(() -> parse("{\"source\": 1, \"source\": 2}")).isInstanceOf(SyncFailure.class);
    }
}
