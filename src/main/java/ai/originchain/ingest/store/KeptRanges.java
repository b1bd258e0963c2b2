package ai.originchain.ingest.store;

import ai.originchain.ingest.sync.KeyRanges;

/**
 * The target's side of a range comparison as {@link RangeDigestCache} keeps it: the bounds, and per
 * range its rows, the digest of its row versions and the digest of its content, as measured in one
 * snapshot of the target; {@code rows[i] == -1} when range {@code i} is unknown. {@code sourceRows}
 * (this sync's, not kept) tells which ranges grew and are cut again; {@code entriesChanged} whether any
 * entry differs from the one kept before (else only the generation moves on).
 */
public record KeptRanges(String signature, long generation, String[][] bounds, KeyRanges.Digests target, long[] sourceRows,
                         boolean entriesChanged) {

    /** Whether range {@code i}'s entry holds for the row versions just measured: the same rows, the same versions. */
    public boolean holds(int i, KeyRanges.Digests now) {
        return target.rows()[i] >= 0 && target.rows()[i] == now.rows()[i]
                && java.util.Arrays.equals(target.versions()[i], now.versions()[i]);
    }

    /** Whether range {@code i}'s entry in {@code other} is this one's: rows, versions and content alike. */
    public boolean sameEntry(int i, KeyRanges.Digests other) {
        return target.rows()[i] == other.rows()[i] && java.util.Arrays.equals(target.versions()[i], other.versions()[i])
                && java.util.Arrays.equals(target.hashes()[i], other.hashes()[i]);
    }

    /** Whether range {@code i} is hashed again this sync whatever its entry says: one range in {@link RangeDigestCache#ROTATION}. */
    public boolean dueForCheck(int i) {
        return i % RangeDigestCache.ROTATION == generation % RangeDigestCache.ROTATION;
    }
}
