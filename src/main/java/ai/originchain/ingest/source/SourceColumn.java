package ai.originchain.ingest.source;

import ai.originchain.ingest.typemap.SourceType;

/** A column of a source table, as the source catalog describes it. */
public record SourceColumn(String name, SourceType type) {
}
