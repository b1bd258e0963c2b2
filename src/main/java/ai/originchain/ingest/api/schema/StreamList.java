package ai.originchain.ingest.api.schema;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;

/** {@code GET .../streams}: the tenant's streams. */
@Schema(name = "StreamList", requiredProperties = "streams")
public record StreamList(List<StreamReport> streams) {
}
