package ai.originchain.ingest.source;

import java.util.List;

import ai.originchain.ingest.failure.FieldError;

/**
 * The catalog's answer for a sync's mappings: the checked table of each (null where it failed), the
 * fields at fault, and per mapping the warnings about types the map changes (e.g. spatial to WKB).
 */
public record CatalogCheck(List<SourceTable> tables, List<FieldError> errors, List<List<String>> warnings) {
}
