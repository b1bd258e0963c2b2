package ai.originchain.ingest.sync;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batcher: gathers the rows a {@link RowSource} streams into batches of at most
 * {@code batchRows} rows or {@code batchBytes} bytes, one batch at a time, for the splitter to hand
 * to the writers. It holds no more than the batch it is filling; back-pressure comes from the
 * splitter's bounded writer pool. A batch's bytes go into fixed chunks (never a doubling array, so
 * no copies and no humongous allocations). Logs progress every few seconds.
 */
public final class RowBatcher implements Iterator<RowBatch>, java.io.Closeable {

    private static final Logger log = LoggerFactory.getLogger(RowBatcher.class);
    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;
    /** Largest chunk: well under half of G1's smallest region (1 MB), the humongous threshold. */
    static final int CHUNK_BYTES = 256 * 1024;
    private static final int FIRST_CHUNK_BYTES = 64 * 1024;

    private final MappingJob job;
    private final RowSource reader;
    private final int batchRows;
    private final int batchBytes;
    private final long startedNanos = System.nanoTime();
    private long lastProgressNanos = startedNanos;
    private byte[] pendingRow;
    private boolean exhausted;
    private RowBatch next;

    public RowBatcher(MappingJob job, RowSource reader, int batchRows, int batchBytes) {
        this.job = job;
        this.reader = reader;
        this.batchRows = batchRows;
        this.batchBytes = batchBytes;
    }

    @Override
    public boolean hasNext() {
        if (next == null && !exhausted) {
            next = fill();
        }
        return next != null;
    }

    @Override
    public RowBatch next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RowBatch batch = next;
        next = null;
        return batch;
    }

    private RowBatch fill() {
        List<byte[]> chunks = new ArrayList<>();
        byte[] chunk = null;
        int used = 0;
        int length = 0;
        int rows = 0;
        job.run().throwIfAborted();
        try {
            while (rows < batchRows) {
                byte[] row = pendingRow != null ? pendingRow : reader.nextRow();
                pendingRow = null;
                if (row == null) {
                    exhausted = true;
                    break;
                }
                if (length + row.length > batchBytes && rows > 0) {
                    pendingRow = row;
                    break;
                }
                for (int copied = 0; copied < row.length; ) {
                    if (chunk == null || used == chunk.length) {
                        chunk = new byte[chunks.isEmpty() ? Math.min(FIRST_CHUNK_BYTES, Math.max(batchBytes, 1024)) : CHUNK_BYTES];
                        chunks.add(chunk);
                        used = 0;
                    }
                    int n = Math.min(row.length - copied, chunk.length - used);
                    System.arraycopy(row, copied, chunk, used, n);
                    used += n;
                    copied += n;
                }
                length += row.length;
                rows++;
            }
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
        if (rows == 0) {
            return null;
        }
        job.report().addRowsRead(rows, length);
        logProgress();
        return new RowBatch(job, chunks, length, rows);
    }

    private void logProgress() {
        long now = System.nanoTime();
        if (now - lastProgressNanos < PROGRESS_EVERY_NANOS) {
            return;
        }
        lastProgressNanos = now;
        long read = job.report().rowsRead();
        double seconds = (now - startedNanos) / 1e9;
        double rate = read / Math.max(seconds, 1e-3);
        long estimate = job.sourceTable().estimatedRows();
        String eta = estimate > read && rate > 0 ? String.format(" eta=%.0fs", (estimate - read) / rate) : "";
        log.info("sync {} {}: read={} written={} rate={}/s{}", job.run().id(), job, read,
                job.report().rowsWritten(), Math.round(rate), eta);
    }

    @Override
    public void close() {
        reader.close();
    }
}
