package ai.originchain.ingest.failure;

/** One field at fault in a request, named by its JSON path, e.g. {@code mappings[0].columns[2]}. */
public record FieldError(String field, String message) {
}
