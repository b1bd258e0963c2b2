package ai.originchain.ingest.sync;

/**
 * What the mode steps worked out for one mapping on its way through the chain: the conditions of
 * the source and target reads, the mirror's delete spool, the incremental read's bounds.
 */
public final class ModeState {

    private volatile java.util.Map<ai.originchain.ingest.filter.RowFilter.Leaf, java.util.List<String>> filterLiterals;
    private volatile String sourceFilter;
    private volatile String cursorCondition;
    private volatile String targetScope;
    private volatile String rangeCondition;
    private volatile java.util.List<String> mergeParts;
    private volatile ai.originchain.ingest.store.KeptRanges keptRanges;
    private volatile DeletedKeys deletedKeys;
    private volatile boolean fullRead = true;
    private volatile String cursorType;
    private volatile String cursorFrom;
    private volatile String cursorTo;
    private volatile java.util.List<String> filterParameters = java.util.List.of();
    private volatile java.util.List<String> cursorParameters = java.util.List.of();

    /** The WHERE condition of the source read (filter and cursor), or null for every row. */
    public String sourceWhere() {
        if (sourceFilter == null) {
            return cursorCondition;
        }
        return cursorCondition == null ? sourceFilter : sourceFilter + " AND " + cursorCondition;
    }

    /**
     * The key ranges a re-sync found differing (a condition on the key), or null to read every row; set
     * by the range comparison, for the source read and the target read of the merge only.
     */
    public String rangeCondition() { return rangeCondition; }
    public void rangeCondition(String sql) { this.rangeCondition = sql; }

    /** Whether the range comparison found every range equal: then neither side is read for the merge. */
    public boolean readsNothing() { return KeyRanges.NO_ROWS.equals(rangeCondition); }

    /**
     * Conditions on the key, in key order, that cut a large merge into parts run at once (each its own
     * source read, target read and diff; together every key once), or null to merge in one; set by the
     * range comparison.
     */
    public java.util.List<String> mergeParts() { return mergeParts; }
    public void mergeParts(java.util.List<String> conditions) {
        this.mergeParts = conditions == null ? null : java.util.List.copyOf(conditions);
    }

    /** The target's range digests the comparison measured, for the step that keeps them after the writes; or null. */
    public ai.originchain.ingest.store.KeptRanges keptRanges() { return keptRanges; }
    public void keptRanges(ai.originchain.ingest.store.KeptRanges kept) { this.keptRanges = kept; }

    /** {@link #sourceWhere()} limited to the differing ranges: the condition of the source read. */
    public String readWhere() {
        return and(sourceWhere(), rangeCondition);
    }

    /** {@link #targetScope()} limited to the differing ranges: the condition of the merge's target read. */
    public String targetReadScope() {
        return and(targetScope, rangeCondition);
    }

    /** Both conditions, either of which may be null (then the other alone). */
    public static String and(String a, String b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : "(" + a + ") AND " + b;
    }

    /** The values bound to the {@code ?} of {@link #sourceWhere()}, in order (engines that take bind parameters). */
    public java.util.List<String> sourceParameters() {
        java.util.List<String> all = new java.util.ArrayList<>(filterParameters);
        all.addAll(cursorParameters);
        return all;
    }

    /** The values bound to the {@code ?} of {@link #sourceFilter()}. */
    public java.util.List<String> filterParameters() { return filterParameters; }
    public void filterParameters(java.util.List<String> values) { this.filterParameters = java.util.List.copyOf(values); }
    public void cursorParameters(java.util.List<String> values) { this.cursorParameters = java.util.List.copyOf(values); }

    /** Each filter leaf's values as the source server quoted them, for rendering the filter at the target too. */
    public java.util.Map<ai.originchain.ingest.filter.RowFilter.Leaf, java.util.List<String>> filterLiterals() {
        return filterLiterals;
    }

    public void filterLiterals(java.util.Map<ai.originchain.ingest.filter.RowFilter.Leaf, java.util.List<String>> literals) {
        this.filterLiterals = literals;
    }

    /** The filter alone, as the source reads it; null without one. */
    public String sourceFilter() { return sourceFilter; }
    public void sourceFilter(String sql) { this.sourceFilter = sql; }
    public void cursorCondition(String sql) { this.cursorCondition = sql; }

    /** Which target rows a mirror judges (the filter on the target's values, live rows only); null for all. */
    public String targetScope() { return targetScope; }
    public void targetScope(String sql) { this.targetScope = sql; }

    public DeletedKeys deletedKeys() { return deletedKeys; }
    public void deletedKeys(DeletedKeys keys) { this.deletedKeys = keys; }

    /** The cursor column's type at the source, without modifier (e.g. {@code timestamp with time zone}). */
    public String cursorType() { return cursorType; }
    public void cursorType(String type) { this.cursorType = type; }

    /** Whether an incremental mapping reads every row this time (no usable high-water mark). */
    public boolean fullRead() { return fullRead; }
    public String cursorFrom() { return cursorFrom; }
    public String cursorTo() { return cursorTo; }

    public void cursorBounds(boolean fullRead, String from, String to) {
        this.fullRead = fullRead;
        this.cursorFrom = from;
        this.cursorTo = to;
    }
}
