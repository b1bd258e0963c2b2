package ai.originchain.ingest.api.schema;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.AdditionalPropertiesValue;

/** The body of {@code POST .../sync}: read strictly, so an unknown field is a 400. */
@Schema(name = "SyncManifest", description = "What to sync: the source, the mappings and optional target declarations. "
        + "Read strictly: an unknown field, a value of the wrong JSON type or a repeated key is a 400 naming the field.",
        additionalProperties = AdditionalPropertiesValue.FALSE, requiredProperties = {"source", "mappings"})
public record SyncManifest(
        @Schema(requiredMode = REQUIRED) Source source,
        @Schema(description = "1 to 200 mappings") @ArraySchema(minItems = 1, maxItems = 200) List<Mapping> mappings,
        @Schema(description = "Explicit target declarations; one that no mapping's target_schema names is a 400")
        List<SchemaDeclaration> schemas,
        Webhook webhook) {

    @Schema(name = "Source", description = "The source database; the password is held in memory for the sync only",
            additionalProperties = AdditionalPropertiesValue.FALSE)
    public record Source(
            @Schema(requiredMode = REQUIRED, description = "A DNS name or an IP literal; a name that does not resolve is a 502, "
                    + "a host the egress policy refuses a 422") String host,
            @Schema(description = "5432 for PostgreSQL, 3306 for MySQL", minimum = "1", maximum = "65535") Integer port,
            @Schema(requiredMode = REQUIRED) String database,
            @Schema(requiredMode = REQUIRED) String user,
            @Schema(requiredMode = REQUIRED, format = "password", writeOnly = true) String password,
            @Schema(requiredMode = REQUIRED, allowableValues = {"require", "verify-full"},
                    description = "require: encrypted; verify-full: encrypted, CA chain and host name checked. Plaintext is rejected (400)")
            String sslmode,
            @Schema(description = "PEM text of the CA(s) trusted for verify-full (default: the JVM's trust store)") String sslrootcert) {
    }

    @Schema(name = "Mapping", description = "One source table into one target schema", additionalProperties = AdditionalPropertiesValue.FALSE,
            requiredProperties = {"source_table", "target_schema", "primary_key"})
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Mapping(
            @Schema(requiredMode = REQUIRED, description = "schema.table, or table meaning public.table (MySQL: table in source.database, or database.table)")
            String sourceTable,
            @Schema(requiredMode = REQUIRED, pattern = "^[a-z_][a-z0-9_]{0,62}$", description = "The OriginChain schema to fill")
            String targetSchema,
            @Schema(description = "The upsert key, no repeats") @ArraySchema(minItems = 1, uniqueItems = true) List<String> primaryKey,
            @Schema(description = "Columns to pull (default all), no repeats; must contain the primary key")
            @ArraySchema(uniqueItems = true) List<String> columns,
            @Schema(allowableValues = {"upsert", "mirror", "incremental"}, defaultValue = "upsert") String mode,
            @Schema(allowableValues = {"hard", "soft"}, defaultValue = "hard", description = "With mirror: delete the row, or set its _oc_deleted_at")
            String deleteMode,
            @Schema(minimum = "0", maximum = "1", defaultValue = "0.5",
                    description = "With mirror: a sync that would delete more than this fraction of the target's rows fails with 422 and deletes nothing")
            Double maxDeleteFraction,
            @Schema(ref = "#/components/schemas/RowFilter") RowFilter filter,
            Cursor cursor) {
    }

    @Schema(name = "Cursor", description = "With incremental: the orderable column and how far back each sync reads again",
            additionalProperties = AdditionalPropertiesValue.FALSE)
    public record Cursor(
            @Schema(requiredMode = REQUIRED, description = "An integer, numeric, date, timestamp or timestamptz column") String column,
            @Schema(types = {"string", "number"}, description = "An ISO-8601 duration such as PT5M, or a number for numeric cursors")
            Object lookback) {
    }

    @Schema(name = "SchemaDeclaration", description = "An explicit target declaration; a declared column's type wins over the inferred one",
            additionalProperties = AdditionalPropertiesValue.FALSE, requiredProperties = {"name", "columns"})
    public record SchemaDeclaration(
            @Schema(pattern = "^[a-z_][a-z0-9_]{0,62}$") String name,
            List<DeclaredColumn> columns) {
    }

    @Schema(name = "DeclaredColumn", additionalProperties = AdditionalPropertiesValue.FALSE)
    public record DeclaredColumn(
            @Schema(requiredMode = REQUIRED) String name,
            @Schema(requiredMode = REQUIRED, description = "A PostgreSQL type name such as numeric(12,2), text or bigint[]") String type) {
    }

    @Schema(name = "Webhook", description = "Where the final report is POSTed (signed with HMAC-SHA256 under the tenant's secret)",
            additionalProperties = AdditionalPropertiesValue.FALSE)
    public record Webhook(
            @Schema(requiredMode = REQUIRED, format = "uri", pattern = "^https://", description = "An absolute https URL, without user info")
            String url) {
    }
}
