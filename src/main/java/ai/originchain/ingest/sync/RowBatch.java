package ai.originchain.ingest.sync;

import java.sql.SQLException;
import java.util.List;

/**
 * A batch of source rows in COPY text form, ready for one upsert: {@code length} bytes held in
 * chunks of at most {@link RowBatcher#CHUNK_BYTES}, every chunk full but the last (a row may span two).
 * Chunks, rather than one growing array, keep every allocation below the size G1 treats as humongous.
 */
public record RowBatch(MappingJob job, List<byte[]> chunks, int length, int rows) {

    /** A batch in one array. */
    public RowBatch(MappingJob job, byte[] data, int length, int rows) {
        this(job, List.of(data), length, rows);
    }

    /** Receives the batch's bytes, chunk by chunk, in order. */
    @FunctionalInterface
    public interface ChunkSink {
        void write(byte[] chunk, int offset, int length) throws SQLException;
    }

    public void writeTo(ChunkSink sink) throws SQLException {
        int left = length;
        for (byte[] chunk : chunks) {
            int n = Math.min(chunk.length, left);
            if (n > 0) {
                sink.write(chunk, 0, n);
            }
            left -= n;
        }
    }
}
