package ai.originchain.ingest.sync;

import java.sql.SQLException;
import java.util.List;

/**
 * One table read as several reads that may run at once (e.g. ctid ranges of one snapshot), whose rows
 * together are the table's, in no order. {@link RowBatchers} batches each part on a thread of its own;
 * read as one {@link RowSource}, it yields the parts' rows one part after the other.
 */
public final class PartedRead implements RowSource {

    private final List<RowSource> parts;
    private int current;

    public PartedRead(List<RowSource> parts) {
        this.parts = List.copyOf(parts);
    }

    public List<RowSource> parts() {
        return parts;
    }

    @Override
    public byte[] nextRow() throws SQLException {
        while (current < parts.size()) {
            byte[] row = parts.get(current).nextRow();
            if (row != null) {
                return row;
            }
            current++;
        }
        return null;
    }

    @Override
    public void abort() {
        parts.forEach(RowSource::abort);
    }

    @Override
    public void close() {
        parts.forEach(RowSource::abort);
        parts.forEach(RowSource::close);
    }
}
