package ai.originchain.ingest.sync;

/** A batch of source rows in COPY text form, ready for one upsert. */
public record RowBatch(MappingJob job, byte[] data, int length, int rows) {
}
