package ai.originchain.ingest.source;

import java.sql.SQLException;
import java.util.List;

import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.KeyRanges;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.RowSource;

/**
 * A sync's consistent view of one source: the catalog checks and every table read of the sync
 * see the source as of one instant (how, is the engine's: an exported snapshot, a consistent-snapshot
 * transaction, an immutable file).
 */
public interface SourceRead extends AutoCloseable {

    /** The catalog: each mapping's table, columns, key and types, or the fields it gets wrong. */
    CatalogCheck check(List<MappingSpec> mappings) throws SQLException;

    /** The first key that occurs twice in {@code table}, as text, or null; for keys no unique index guarantees. */
    String firstDuplicateKey(SourceTable table, List<String> primaryKey) throws SQLException;

    /**
     * Streams the rows {@code query} asks for as COPY text, one row in memory at a time. The engine
     * renders the query in its own SQL (quoting, ordering, and later the mapping's filter and cursor).
     */
    RowSource read(TableQuery query) throws SQLException;

    /**
     * The same rows as {@link #read}, in any order, as up to {@code parts} reads that may run at once
     * (each at least {@code minPartBytes} of the table); engines that cannot split a table read it in one.
     */
    default List<RowSource> readInParts(TableQuery query, int parts, long minPartBytes) throws SQLException {
        return List.of(read(query));
    }

    /**
     * Whether the engine's key-ordered read sorts {@code numeric} keys by value, as {@link KeyOrder}
     * compares them (PostgreSQL); MySQL's and SQLite's reads order integers and text only.
     */
    default boolean ordersNumericKeys() {
        return false;
    }

    /** Whether the engine hashes key ranges (PostgreSQL); when not (MySQL, SQLite), a re-sync merges the whole table. */
    default boolean hashesRanges() {
        return false;
    }

    /**
     * The row count and content hash ({@link KeyRanges}) of each of the key {@code ranges} (ascending) of
     * {@code row} (the columns as SQL expressions) over the rows of {@code table} that pass {@code where},
     * within the sync's consistent view, on up to {@code connections} connections at once; only called
     * when {@link #hashesRanges()}.
     */
    default KeyRanges.Digests hashRanges(SourceTable table, List<String> row, KeyOrder order, String where, String[][] bounds,
                                         int[] ranges, int connections) throws SQLException {
        throw new UnsupportedOperationException("this source engine does not hash key ranges");
    }

    /**
     * The engine's SQL for the mappings' filters and incremental cursors, or null when the engine
     * renders none (they are then refused with 400). PostgreSQL's lives in {@code ModeChecks} and
     * {@code CursorMarks}, which use its exported snapshot.
     */
    default ModeSql modeSql() {
        return null;
    }

    /**
     * Stops, from another thread and without waiting for it, whatever the read is doing at the source:
     * a running query is cancelled there (PostgreSQL), its connection dropped (MySQL), an SQLite
     * statement interrupted; the reading thread then fails. Closing still follows.
     */
    void abort();

    /** Ends the read and releases what it holds; safe to call more than once. */
    @Override
    void close();
}
