package ai.originchain.ingest.sync;

/**
 * A batch of source rows in COPY text form, ready for one upsert. Batches of a mapping whose key
 * the source does not guarantee unique are written strictly in read order ({@link #awaitTurn()}),
 * so the last row read for a key is the one that stays.
 */
public final class RowBatch {

    private final MappingJob job;
    private final byte[] data;
    private final int length;
    private final int rows;
    private final long sequence;
    private final WriteOrder order;

    /** A batch written whenever a writer is free. */
    public RowBatch(MappingJob job, byte[] data, int length, int rows) {
        this(job, data, length, rows, 0, null);
    }

    RowBatch(MappingJob job, byte[] data, int length, int rows, long sequence, WriteOrder order) {
        this.job = job;
        this.data = data;
        this.length = length;
        this.rows = rows;
        this.sequence = sequence;
        this.order = order;
    }

    public MappingJob job() { return job; }
    public byte[] data() { return data; }
    public int length() { return length; }
    public int rows() { return rows; }
    public long sequence() { return sequence; }

    public void awaitTurn() {
        if (order != null) {
            order.await(sequence);
        }
    }

    public void done() {
        if (order != null) {
            order.done(sequence);
        }
    }

    /** Lets batch n+1 start only once batch n is done. */
    static final class WriteOrder {
        private long next;

        synchronized void await(long sequence) {
            while (next != sequence) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for an earlier batch", e);
                }
            }
        }

        synchronized void done(long sequence) {
            if (sequence == next) {
                next++;
                notifyAll();
            }
        }
    }
}
