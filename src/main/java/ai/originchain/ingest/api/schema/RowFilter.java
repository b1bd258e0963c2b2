package ai.originchain.ingest.api.schema;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

import java.util.List;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.AdditionalPropertiesValue;

/** A mapping's {@code filter}: a predicate pushed down into the source query, as JSON, never SQL. */
@Schema(name = "RowFilter", description = "A row is read when the predicate is true, as in SQL's WHERE (three-valued logic). "
        + "Errors name the leaf at fault: .column (unknown column, 422), .op (unknown op, 400), .value (a value the column's type rejects, 422)",
        oneOf = {RowFilter.Condition.class, RowFilter.All.class, RowFilter.Any.class, RowFilter.Not.class})
public interface RowFilter {

    @Schema(name = "FilterCondition", description = "One comparison of a column", additionalProperties = AdditionalPropertiesValue.FALSE)
    record Condition(
            @Schema(requiredMode = REQUIRED) String column,
            @Schema(requiredMode = REQUIRED, allowableValues = {"=", "!=", "<", "<=", ">", ">=", "in", "not_in", "is_null", "is_not_null"})
            String op,
            @Schema(types = {"string", "number", "boolean", "array", "null"},
                    description = "A JSON scalar read as the column's type (an array for in and not_in; none for is_null, is_not_null)")
            Object value) implements RowFilter {
    }

    @Schema(name = "FilterAll", description = "True when every predicate is", additionalProperties = AdditionalPropertiesValue.FALSE,
            requiredProperties = "all")
    record All(@ArraySchema(minItems = 1, schema = @Schema(ref = "#/components/schemas/RowFilter")) List<RowFilter> all) implements RowFilter {
    }

    @Schema(name = "FilterAny", description = "True when any predicate is", additionalProperties = AdditionalPropertiesValue.FALSE,
            requiredProperties = "any")
    record Any(@ArraySchema(minItems = 1, schema = @Schema(ref = "#/components/schemas/RowFilter")) List<RowFilter> any) implements RowFilter {
    }

    @Schema(name = "FilterNot", description = "True when the predicate is false (a NULL comparison stays unknown: not read)",
            additionalProperties = AdditionalPropertiesValue.FALSE)
    record Not(@Schema(requiredMode = REQUIRED, ref = "#/components/schemas/RowFilter") RowFilter not) implements RowFilter {
    }
}
