package ai.originchain.ingest.api.schema;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.AdditionalPropertiesValue;

/** The body of {@code PUT .../streams/{stream}}: the sync manifest without sync modes, plus a publication. */
@Schema(name = "StreamManifest", description = "The sync manifest plus an optional publication; a stream always mirrors its tables, "
        + "so mappings take no mode, delete_mode, max_delete_fraction, filter or cursor (400)",
        additionalProperties = AdditionalPropertiesValue.FALSE, requiredProperties = {"source", "mappings"})
public record StreamManifest(
        SyncManifest.Source source,
        @Schema(description = "1 to 200 mappings") @ArraySchema(minItems = 1, maxItems = 200) List<StreamMapping> mappings,
        List<SyncManifest.SchemaDeclaration> schemas,
        @Schema(types = {"string", "null"}, pattern = "^[A-Za-z0-9_$]{1,63}$",
                description = "An existing publication at the source covering every mapping's table (default: one the service makes and drops)")
        String publication) {

    @Schema(name = "StreamMapping", description = "One source table into one target schema, mirrored", additionalProperties = AdditionalPropertiesValue.FALSE,
            requiredProperties = {"source_table", "target_schema", "primary_key"})
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record StreamMapping(
            String sourceTable,
            @Schema(pattern = "^[a-z_][a-z0-9_]{0,62}$") String targetSchema,
            @ArraySchema(minItems = 1, uniqueItems = true) List<String> primaryKey,
            @ArraySchema(uniqueItems = true) List<String> columns) {
    }
}
