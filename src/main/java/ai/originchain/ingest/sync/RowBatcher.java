package ai.originchain.ingest.sync;

import java.sql.SQLException;
import java.util.Iterator;
import java.util.NoSuchElementException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.originchain.ingest.source.TableReader;

/**
 * The batcher: gathers the rows a {@link TableReader} streams into batches of at most
 * {@code batchRows} rows or {@code batchBytes} bytes, one batch at a time, for the splitter to hand
 * to the writers. It holds no more than the batch it is filling; back-pressure comes from the
 * splitter's bounded writer pool. Logs progress every few seconds.
 */
public final class RowBatcher implements Iterator<RowBatch>, java.io.Closeable {

    private static final Logger log = LoggerFactory.getLogger(RowBatcher.class);
    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    private final MappingJob job;
    private final TableReader reader;
    private final int batchRows;
    private final int batchBytes;
    private final long startedNanos = System.nanoTime();
    private long lastProgressNanos = startedNanos;
    private byte[] pendingRow;
    private boolean exhausted;
    private RowBatch next;

    public RowBatcher(MappingJob job, TableReader reader, int batchRows, int batchBytes) {
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
        byte[] buffer = new byte[Math.min(batchBytes, 64 * 1024)];
        int length = 0;
        int rows = 0;
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
                if (length + row.length > buffer.length) {
                    buffer = java.util.Arrays.copyOf(buffer, Math.max(length + row.length,
                            (int) Math.min(batchBytes, buffer.length * 2L)));
                }
                System.arraycopy(row, 0, buffer, length, row.length);
                length += row.length;
                rows++;
            }
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
        if (rows == 0) {
            return null;
        }
        job.report().addRowsRead(rows);
        logProgress();
        return new RowBatch(job, buffer, length, rows);
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
