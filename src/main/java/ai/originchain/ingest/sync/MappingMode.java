package ai.originchain.ingest.sync;

import ai.originchain.ingest.filter.RowFilter;

/**
 * How a mapping keeps its target (docs/modes.md: {@code mode}, {@code delete_mode},
 * {@code max_delete_fraction}, {@code filter}, {@code cursor}), as the parser validated its shape.
 *
 * @param filter     the predicate pushed into the source read, or null
 * @param filterText the filter's JSON as sent (compact), to notice a changed filter; null without one
 * @param cursor     with {@link Mode#INCREMENTAL} only
 */
public record MappingMode(Mode mode, DeleteMode deleteMode, double maxDeleteFraction, RowFilter filter,
                          String filterText, CursorSpec cursor) {

    public enum Mode { UPSERT, MIRROR, INCREMENTAL }

    public enum DeleteMode { HARD, SOFT }

    public static final double DEFAULT_MAX_DELETE_FRACTION = 0.5;
    /** The column a soft-deleting mirror keeps at the target: NULL for live rows. */
    public static final String DELETED_AT = "_oc_deleted_at";

    public static final MappingMode UPSERT =
            new MappingMode(Mode.UPSERT, DeleteMode.HARD, DEFAULT_MAX_DELETE_FRACTION, null, null, null);

    public boolean mirror() {
        return mode == Mode.MIRROR;
    }

    public boolean incremental() {
        return mode == Mode.INCREMENTAL;
    }

    public boolean softDelete() {
        return mirror() && deleteMode == DeleteMode.SOFT;
    }

    /**
     * An incremental mapping's cursor.
     *
     * @param lookback the ISO-8601 duration (e.g. {@code PT5M}) or, when {@code numeric}, the plain
     *                 number subtracted from the high-water mark; {@code "0"} when none was given
     */
    public record CursorSpec(String column, String lookback, boolean numeric) {
    }
}
