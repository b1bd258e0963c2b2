package ai.originchain.ingest.api.schema;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;

/** Every error the service answers, as {@code application/problem+json} (RFC 9457). */
@Schema(name = "Problem", description = "RFC 9457 problem details; never a stack trace, a password or a connection string with one",
        requiredProperties = {"type", "title", "status", "detail"})
public record Problem(
        @Schema(format = "uri", description = "https://docs.originchain.ai/problems/<kind>") String type,
        String title,
        @Schema(minimum = "400", maximum = "599") Integer status,
        String detail,
        @Schema(description = "Where fields are at fault, each with its path, e.g. mappings[0].columns[2]") List<FieldError> errors) {

    @Schema(name = "FieldError", requiredProperties = {"field", "message"})
    public record FieldError(
            @Schema(description = "The field's path in the request, e.g. mappings[0].filter.all[1].value") String field,
            String message) {
    }
}
