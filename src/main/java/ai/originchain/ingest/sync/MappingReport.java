package ai.originchain.ingest.sync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** What happened to one mapping; counters are updated by the reader and the writers concurrently. */
public final class MappingReport {

    public enum Status { PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED }

    private final MappingSpec mapping;
    private final AtomicLong rowsRead = new AtomicLong();
    private final AtomicLong rowsWritten = new AtomicLong();
    private final AtomicLong rowsChanged = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private volatile long estimatedRows = -1;
    private final AtomicLong rowsDeleted = new AtomicLong();
    private volatile long rangesCompared;
    private volatile long rangesDiffering;
    private volatile long targetRangesHashed;
    private final AtomicLong rowsMerged = new AtomicLong();
    private final AtomicLong bytesMerged = new AtomicLong();
    private volatile String cursorFrom;
    private volatile String cursorTo;
    private final List<String> warnings = new ArrayList<>();
    private final List<String> schemaChanges = new ArrayList<>();
    private volatile Status status = Status.PENDING;
    private volatile boolean schemaCreated;
    private volatile long startedNanos;
    private volatile long durationMs;
    private volatile String error;

    public MappingReport(MappingSpec mapping) {
        this.mapping = mapping;
    }

    public MappingSpec mapping() { return mapping; }
    public long rowsRead() { return rowsRead.get(); }
    public long rowsWritten() { return rowsWritten.get(); }
    public long rowsChanged() { return rowsChanged.get(); }
    public long rowsDeleted() { return rowsDeleted.get(); }
    public Status status() { return status; }

    public void addDeleted(long n) { rowsDeleted.addAndGet(n); }

    /** An incremental mapping's bounds: the high-water mark it started from (null: read everything) and reached. */
    public void cursor(String from, String to) {
        cursorFrom = from;
        cursorTo = to;
    }

    /** A mapping that had finished its rows but whose sync then refused it (the mass-delete guard). */
    public void refused(String reason) {
        status = Status.FAILED;
        error = reason;
    }

    public void started() {
        startedNanos = System.nanoTime();
        status = Status.RUNNING;
    }

    public void addRowsRead(long n) { rowsRead.addAndGet(n); }

    /** Rows and their COPY text bytes read from the source. */
    public void addRowsRead(long n, long bytes) {
        rowsRead.addAndGet(n);
        bytesRead.addAndGet(bytes);
    }

    /** The source's estimate of the table's rows ({@code pg_class.reltuples}), for the ETA; -1 when unknown. */
    public void estimatedRows(long estimate) { estimatedRows = estimate; }

    public void addWritten(long written, long changed) {
        rowsWritten.addAndGet(written);
        rowsChanged.addAndGet(changed);
    }

    public void schemaCreated() { schemaCreated = true; }

    /** The re-sync's range comparison: how many key ranges were compared, and how many differed. */
    public void ranges(long compared, long differing) {
        rangesCompared = compared;
        rangesDiffering = differing;
    }

    /** Of the compared ranges, how many the target hashed this time (the others' digests were kept and still held). */
    public void targetRangesHashed(long hashed) { targetRangesHashed = hashed; }

    public long targetRangesHashed() { return targetRangesHashed; }
    public long rangesCompared() { return rangesCompared; }
    public long rangesDiffering() { return rangesDiffering; }

    /** Source rows (and their COPY text bytes) read to be merged with the target's rows. */
    public void addMerged(long rows, long bytes) {
        rowsMerged.addAndGet(rows);
        bytesMerged.addAndGet(bytes);
    }

    public long rowsMerged() { return rowsMerged.get(); }

    public synchronized void warn(String warning) {
        if (!warnings.contains(warning)) {
            warnings.add(warning);
        }
    }

    public synchronized void schemaChanged(String change) {
        schemaChanges.add(change);
    }

    public void succeeded() {
        status = Status.SUCCEEDED;
        durationMs = elapsedMs();
    }

    public void failed(String reason) {
        if (status == Status.RUNNING) {
            status = Status.FAILED;
            error = reason;
            durationMs = elapsedMs();
        } else if (status == Status.PENDING) {
            status = Status.SKIPPED;
        }
    }

    public long elapsedMs() {
        return startedNanos == 0 ? 0 : (System.nanoTime() - startedNanos) / 1_000_000;
    }

    public synchronized Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("source_table", mapping.sourceTableName());
        json.put("target_schema", mapping.targetSchema());
        json.put("status", status.name().toLowerCase());
        json.put("rows_read", rowsRead.get());
        json.put("rows_written", rowsWritten.get());
        json.put("rows_changed", rowsChanged.get());
        if (mapping.mode().mirror()) {
            json.put("rows_deleted", rowsDeleted.get());
        }
        if (mapping.mode().incremental()) {
            json.put("cursor_from", cursorFrom);
            json.put("cursor_to", cursorTo);
        }
        json.put("ranges_compared", rangesCompared);
        json.put("ranges_differing", rangesDiffering);
        json.put("target_ranges_hashed", targetRangesHashed);
        json.put("rows_merged", rowsMerged.get());
        json.put("bytes_merged", bytesMerged.get());
        json.put("schema_created", schemaCreated);
        long ms = status == Status.RUNNING ? elapsedMs() : durationMs;
        json.put("duration_ms", ms);
        long read = rowsRead.get();
        json.put("bytes_read", bytesRead.get());
        double rate = ms > 0 ? read * 1000.0 / ms : 0;
        json.put("rows_per_second", Math.round(rate));
        if (status == Status.RUNNING) {
            json.put("estimated_rows", estimatedRows < 0 ? null : estimatedRows);
            json.put("eta_seconds", estimatedRows < 0 || rate <= 0 ? null : Math.round(Math.max(0, estimatedRows - read) / rate));
        }
        json.put("schema_changes", List.copyOf(schemaChanges));
        json.put("warnings", List.copyOf(warnings));
        if (error != null) {
            json.put("error", error);
        }
        return json;
    }
}
