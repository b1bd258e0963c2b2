package ai.originchain.ingest.sync;

import java.sql.SQLException;

/** A stream of COPY text rows, one at a time: a table read, or a filter over one. */
public interface RowSource extends java.io.Closeable {

    /** The next row, newline included, or null at the end. */
    byte[] nextRow() throws SQLException;

    /** Ends the read and releases its connection; safe to call more than once. */
    @Override
    void close();

    /**
     * Cuts the read off from another thread without waiting for it, even while the reading thread
     * waits for the server (that thread then fails); a read that holds no connection of its own does
     * nothing. Closing would wait for the reading thread instead.
     */
    default void abort() {
    }

    /** No rows, and no connection. */
    static RowSource empty() {
        return new RowSource() {
            @Override
            public byte[] nextRow() {
                return null;
            }

            @Override
            public void close() {
            }
        };
    }
}
