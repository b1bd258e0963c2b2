package ai.originchain.ingest.api.schema;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;

/** {@code GET .../syncs}: a page of reports, newest first by started_at. */
@Schema(name = "SyncList", requiredProperties = {"syncs", "next"})
public record SyncList(
        List<SyncReport> syncs,
        @Schema(types = {"string", "null"}, description = "The cursor of the next page (the next query parameter); null on the last")
        String next) {
}
