package ai.originchain.ingest.failure;

import java.io.IOException;

/**
 * A source row (or message) larger than {@code originchain.source.max-row-bytes}, refused before it
 * was read into memory. An {@link IOException} so that it can be thrown from inside a driver's socket
 * read and still be found in the cause chain of the driver's own exception. {@code column} and
 * {@code key} are null where the reader could not tell them before refusing the row.
 */
public class SourceRowTooLarge extends IOException {

    private final long bytes;
    private final long limit;
    private final String column;
    private final String key;

    public SourceRowTooLarge(long bytes, long limit, String column, String key) {
        super("a source row of " + bytes + " bytes is larger than originchain.source.max-row-bytes (" + limit + ")");
        this.bytes = bytes;
        this.limit = limit;
        this.column = column;
        this.key = key;
    }

    public long bytes() { return bytes; }
    public long limit() { return limit; }
    public String column() { return column; }
    public String key() { return key; }

    /** The exception in {@code failure}'s cause chain, or null. */
    public static SourceRowTooLarge in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SourceRowTooLarge tooLarge) {
                return tooLarge;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
