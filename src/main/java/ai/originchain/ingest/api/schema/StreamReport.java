package ai.originchain.ingest.api.schema;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import ai.originchain.ingest.api.OpenApiDocument;
import io.swagger.v3.oas.annotations.extensions.Extension;
import io.swagger.v3.oas.annotations.extensions.ExtensionProperty;
import io.swagger.v3.oas.annotations.media.Schema;

/** A change stream: {@code PUT} and {@code GET .../streams/{stream}}, an item of the streams list. */
@Schema(name = "StreamReport", requiredProperties = {"stream", "tenant", "status", "slot", "publication", "confirmed_lsn",
        "lag_bytes", "last_applied_at", "mappings", "error"})
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StreamReport(
        @Schema(pattern = "^[a-z][a-z0-9_]{0,40}$") String stream,
        String tenant,
        @Schema(allowableValues = {"snapshotting", "streaming", "failed", "stopped", "deleting"}) String status,
        @Schema(description = "The replication slot's name at the source") String slot,
        String publication,
        @Schema(types = {"string", "null"}, pattern = "^[0-9A-F]+/[0-9A-F]+$", description = "Like 0/16B3748; null before the first commit")
        String confirmedLsn,
        @Schema(types = {"integer", "null"}, minimum = "0") Long lagBytes,
        @Schema(types = {"string", "null"}, format = "date-time") String lastAppliedAt,
        @Schema(description = "The manifest's mappings") List<StreamManifest.StreamMapping> mappings,
        @Schema(description = "Why the stream failed (status failed), or why its drop is pending (status deleting); null otherwise", extensions = @Extension(
                properties = @ExtensionProperty(name = OpenApiDocument.NULLABLE, value = "true", parseValue = true)))
        StreamError error) {

    @Schema(name = "StreamError", requiredProperties = {"kind", "detail"})
    public record StreamError(
            @Schema(description = "The failure's kind, e.g. mismatch or source_failed") String kind,
            String detail,
            List<Problem.FieldError> errors,
            @Schema(description = "What to do to resume") String resume) {
    }
}
