package ai.originchain.ingest.sync;

/**
 * Where the merge of a mirror mapping puts the keys it finds only at the target: a spool at the
 * target, never a list in memory. {@link #invalidate()} says the merge could not finish in key
 * order, so the spool is incomplete and the deletes must be found another way (an anti-join).
 */
public interface DeletedKeys {

    /** The key fields of a located target COPY text row ({@link KeyOrder#locate}), spans in key order. */
    void add(byte[] row, int[] spans);

    void invalidate();
}
