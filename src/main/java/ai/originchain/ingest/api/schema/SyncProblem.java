package ai.originchain.ingest.api.schema;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.swagger.v3.oas.annotations.media.Schema;

/** A sync's problem: once the sync had started, it also carries the partial run report. */
@Schema(name = "SyncProblem", description = "A problem (RFC 9457); once the sync had started (e.g. the source failed during it, 502, "
        + "or the target store was lost, 503) also the partial run report, its status failed",
        requiredProperties = {"type", "title", "status", "detail"})
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SyncProblem(
        @Schema(format = "uri") String type,
        String title,
        @Schema(minimum = "400", maximum = "599") Integer status,
        String detail,
        List<Problem.FieldError> errors,
        @Schema(description = "The run's sync_id, once it had started") String syncId,
        String tenant,
        @Schema(description = "The run's status (failed)") String syncStatus,
        @Schema(format = "date-time") String startedAt,
        @Schema(types = {"string", "null"}, format = "date-time") String finishedAt,
        List<SyncReport.MappingReport> mappings,
        @Schema(description = "The partial run report") SyncReport report) {
}
