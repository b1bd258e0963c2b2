package ai.originchain.ingest.sync;

import java.sql.SQLException;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sorted merge-diff: walks the source rows and the target's current rows, both ordered by the
 * key in the same {@link KeyOrder}, and passes on only the source rows that the target does not hold
 * byte for byte (new keys, changed values). A row is dropped only when the target has a row with the
 * same key whose whole COPY text line is identical, so it is already exactly there; everything else
 * goes on to the upsert, which stays the arbiter. Holds the current row of each side, nothing more.
 *
 * <p>Dropped rows count as read and written (unchanged) in the mapping's report. Should either side
 * turn out not to be in key order (a server sorting differently than expected), or the target read
 * fail, it stops dropping rows and passes the rest on, which is slower but still correct.
 */
public final class ChangedRows implements RowSource {

    private static final Logger log = LoggerFactory.getLogger(ChangedRows.class);
    private static final int REPORT_EVERY = 8192;
    private static final int DRAIN_ROWS = 10_000;

    private final MappingJob job;
    private final RowSource source;
    private final RowSource target;
    private final KeyOrder order;
    private final DeletedKeys deleted;
    private final int[] sourceSpans;
    private final int[] previousSpans;
    private final int[] targetSpans;
    private final int[] nextTargetSpans;
    private byte[] previousSource;
    private byte[] targetRow;
    private boolean targetDone;
    private boolean targetMatched;
    private boolean passThrough;
    private long unreported;
    private long unreportedMerged;
    private long unreportedMergedBytes;
    private long skipped;

    public ChangedRows(MappingJob job, RowSource source, RowSource target, KeyOrder order) {
        this(job, source, target, order, null);
    }

    /**
     * With {@code deleted} (a mirror): every target row whose key the source lacks goes there as the
     * merge passes it, and the target is read to its end.
     */
    public ChangedRows(MappingJob job, RowSource source, RowSource target, KeyOrder order, DeletedKeys deleted) {
        this.job = job;
        this.deleted = deleted;
        this.source = source;
        this.target = target;
        this.order = order;
        this.sourceSpans = order.newSpans();
        this.previousSpans = order.newSpans();
        this.targetSpans = order.newSpans();
        this.nextTargetSpans = order.newSpans();
    }

    @Override
    public byte[] nextRow() throws SQLException {
        while (true) {
            byte[] row = source.nextRow();
            if (row != null) {
                unreportedMerged++;
                unreportedMergedBytes += row.length;
            }
            if (row == null) {
                report();
                finishTarget();
                return null;
            }
            if (passThrough || !matches(row)) {
                report();
                return row;
            }
            skipped++;
            if (++unreported >= REPORT_EVERY) {
                report();
            }
        }
    }

    /** Whether the target holds exactly this row; advances the target past every smaller key. */
    private boolean matches(byte[] row) throws SQLException {
        if (targetDone) {
            return false;
        }
        if (!order.locate(row, sourceSpans)) {
            return disorder("a source row has fewer fields than the key needs");
        }
        if (previousSource != null && order.compare(previousSource, previousSpans, row, sourceSpans) >= 0) {
            return disorder("the source rows are not in key order");
        }
        previousSource = row;
        System.arraycopy(sourceSpans, 0, previousSpans, 0, sourceSpans.length);
        if (targetRow == null && !advanceTarget()) {
            return false;
        }
        while (targetRow != null) {
            int c = order.compare(targetRow, targetSpans, row, sourceSpans);
            if (c > 0) {
                return false;
            }
            if (c == 0) {
                targetMatched = true;
                return Arrays.equals(targetRow, row);
            }
            if (!advanceTarget()) {
                return false;
            }
        }
        return false;
    }

    /** Moves to the target's next row; false at its end or when it is out of order. */
    private boolean advanceTarget() throws SQLException {
        byte[] next;
        try {
            next = target.nextRow();
        } catch (SQLException e) {
            return disorder("reading the target failed: " + e.getMessage());
        }
        if (next == null) {
            spoolUnmatched();
            closeTarget();
            return false;
        }
        if (!order.locate(next, nextTargetSpans)) {
            return disorder("a target row has fewer fields than the key needs");
        }
        if (targetRow != null && order.compare(targetRow, targetSpans, next, nextTargetSpans) >= 0) {
            return disorder("the target rows are not in key order");
        }
        spoolUnmatched();
        targetRow = next;
        targetMatched = false;
        System.arraycopy(nextTargetSpans, 0, targetSpans, 0, targetSpans.length);
        return true;
    }

    /** The current target row, when no source row had its key: a mirror deletes it. */
    private void spoolUnmatched() {
        if (deleted != null && targetRow != null && !targetMatched) {
            deleted.add(targetRow, targetSpans);
        }
        targetMatched = true;
    }

    /** Stops comparing: the rest of the source is passed on whole, the upsert decides. */
    private boolean disorder(String why) {
        if (deleted != null) {
            deleted.invalidate();
        }
        log.warn("sync {} {}: {} ({}); comparing with the target stops, the remaining rows are all upserted",
                job.run().id(), job, why, order);
        passThrough = true;
        closeTarget();
        return false;
    }

    /**
     * Reads what little the target has left, so its COPY ends and its connection goes back to the pool
     * clean; a target with many rows the source no longer has is cut off instead (its connection dropped).
     */
    private void finishTarget() {
        if (deleted != null) {
            // A mirror: every row the target still holds is one the source lacks.
            try {
                while (!targetDone && advanceTarget()) {
                    // advanceTarget spools the row it leaves.
                }
            } catch (SQLException e) {
                disorder("reading the target failed: " + e.getMessage());
            }
            return;
        }
        try {
            for (int i = 0; !targetDone && i < DRAIN_ROWS && target.nextRow() != null; i++) {
                // Rows only the target holds stay where they are.
            }
        } catch (SQLException e) {
            log.debug("sync {} {}: finishing the target read failed: {}", job.run().id(), job, e.getMessage());
        }
        closeTarget();
    }

    private void closeTarget() {
        targetDone = true;
        targetRow = null;
        previousSource = null;
        target.close();
    }

    private void report() {
        if (unreportedMerged > 0) {
            job.report().addMerged(unreportedMerged, unreportedMergedBytes);
            unreportedMerged = 0;
            unreportedMergedBytes = 0;
        }
        if (unreported > 0) {
            job.report().addRowsRead(unreported);
            job.report().addWritten(unreported, 0);
            unreported = 0;
        }
    }

    /** Rows dropped so far because the target already held them exactly. */
    public long skipped() {
        return skipped;
    }

    @Override
    public void abort() {
        try {
            target.abort();
        } finally {
            source.abort();
        }
    }

    @Override
    public void close() {
        try {
            target.close();
        } finally {
            source.close();
        }
    }
}
