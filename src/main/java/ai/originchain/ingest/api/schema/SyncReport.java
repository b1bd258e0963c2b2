package ai.originchain.ingest.api.schema;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.swagger.v3.oas.annotations.media.Schema;

/** A run's report: the answer of a sync, of {@code GET .../syncs/{sync_id}}, an item of the runs list. */
@Schema(name = "SyncReport", description = "A run's report, live while it runs. More fields may be added; these stay.",
        requiredProperties = {"sync_id", "tenant", "trigger", "status", "started_at", "finished_at", "mappings"})
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SyncReport(
        @Schema(description = "Opaque") String syncId,
        String tenant,
        @Schema(pattern = "^(api|schedule:.+)$", description = "api, or schedule:<name> for a scheduled run") String trigger,
        @Schema(allowableValues = {"running", "succeeded", "failed", "cancelled", "abandoned", "skipped"},
                description = "abandoned: its instance died; skipped: a scheduled tick that came while the schedule's last run still ran")
        String status,
        @Schema(format = "date-time") String startedAt,
        @Schema(types = {"string", "null"}, format = "date-time", description = "null while it runs") String finishedAt,
        @Schema(format = "date-time", description = "A scheduled run's tick time") String scheduledAt,
        @Schema(description = "The instance that ran it (runs API)") String instance,
        List<MappingReport> mappings,
        @Schema(description = "With a webhook in the manifest: how its delivery went") WebhookOutcome webhook) {

    @Schema(name = "MappingReport", description = "What happened to one mapping; counters so far while it runs",
            requiredProperties = {"source_table", "target_schema", "status", "rows_read", "rows_written", "rows_changed",
                    "schema_created", "duration_ms"})
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record MappingReport(
            String sourceTable,
            String targetSchema,
            @Schema(allowableValues = {"pending", "running", "succeeded", "failed", "skipped"}) String status,
            @Schema(minimum = "0") Long rowsRead,
            @Schema(minimum = "0") Long rowsWritten,
            @Schema(minimum = "0", description = "Rows inserted or updated: a row equal to the target's is not rewritten") Long rowsChanged,
            @Schema(minimum = "0", description = "mirror mode: rows deleted (or soft-deleted) at the target") Long rowsDeleted,
            @Schema(types = {"string", "null"}, description = "incremental mode: the high-water mark read from (null: everything)") String cursorFrom,
            @Schema(types = {"string", "null"}, description = "incremental mode: the high-water mark reached") String cursorTo,
            @Schema(description = "Whether the sync created the target table") Boolean schemaCreated,
            @Schema(minimum = "0") Long durationMs,
            @Schema(minimum = "0", description = "Bytes of COPY text read from the source") Long bytesRead,
            @Schema(minimum = "0") Long rowsPerSecond,
            @Schema(minimum = "0", description = "Re-sync: key ranges compared by count and hash (the probe's 32 when it found changes nearly everywhere)") Long rangesCompared,
            @Schema(minimum = "0", description = "Re-sync: key ranges whose count or hash differed; only they were read and merged") Long rangesDiffering,
            @Schema(minimum = "0", description = "Re-sync: of the compared ranges, those whose content the target hashed; the others' digests were kept from an earlier re-sync and their rows have not moved since") Long targetRangesHashed,
            @Schema(minimum = "0", description = "Re-sync: source rows the merge read and compared with the target's") Long rowsMerged,
            @Schema(minimum = "0", description = "Re-sync: bytes of COPY text of those rows") Long bytesMerged,
            @Schema(types = {"integer", "null"}, description = "While it runs: the source's estimate of the table's rows") Long estimatedRows,
            @Schema(types = {"integer", "null"}, description = "While it runs: seconds left at the current rate") Long etaSeconds,
            @Schema(description = "Columns added or widened at the target") List<String> schemaChanges,
            List<String> warnings,
            @Schema(description = "Why the mapping failed") String error) {
    }

    @Schema(name = "WebhookOutcome", requiredProperties = {"status", "attempts"})
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record WebhookOutcome(
            @Schema(allowableValues = {"pending", "delivered", "failed"}) String status,
            @Schema(minimum = "0") Integer attempts,
            @Schema(description = "Delivered: the receiver's 2xx status") Integer httpStatus,
            @Schema(description = "When the delivery was delivered or given up") String finishedAt) {
    }
}
