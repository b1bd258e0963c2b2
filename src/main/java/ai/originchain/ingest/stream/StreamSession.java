package ai.originchain.ingest.stream;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import ai.originchain.ingest.sync.SourceSpec;

/**
 * One runner's connection to one stream, from the replication connection's start to its end: the
 * decoder's relations, the open target transaction, and the last position the target committed.
 */
public final class StreamSession implements AutoCloseable {

    final StoredStream stored;
    final StreamDefinitions.Parsed definition;
    /** Set for the initial copy: the snapshot the new slot exported. */
    String snapshotName;
    /** Set for the initial copy: makes the slot, once the copy is admitted ({@link #makeSlot()}). */
    SlotMaker slotMaker;
    /** Set for the initial copy: the new slot's consistent point. */
    long consistentPoint;
    Connection target;
    Connection sourceCatalog;
    PGReplicationStream stream;
    final Map<Integer, AppliedRelation> relations = new HashMap<>();
    final Set<Integer> ignoredRelations = new HashSet<>();
    final Set<String> stagingTables = new HashSet<>();
    final TransactionBuffer buffer = new TransactionBuffer();
    /** Commit end LSN of the last source transaction the target committed. */
    volatile long position;
    /** Commit end LSN written in the open target transaction (equals {@link #position} when none is open). */
    long written;
    /** Set while the delivery holds a later complete source transaction: this commit waits for it. */
    boolean deferCommit;
    private long acknowledged;
    boolean inTransaction;
    boolean skipping;
    boolean wroteInTransaction;
    volatile long lastCommitMillis;

    StreamSession(StoredStream stored, StreamDefinitions.Parsed definition) {
        this.stored = stored;
        this.definition = definition;
    }

    public String tenant() { return stored.tenant(); }
    public String name() { return stored.stream(); }
    public StoredStream stored() { return stored; }
    public SourceSpec source() { return definition.manifest().source(); }
    public StreamDefinitions.Parsed definition() { return definition; }
    public String snapshotName() { return snapshotName; }

    interface SlotMaker {
        void make() throws SQLException;
    }

    /** Makes the stream's slot with its exported snapshot ({@link #snapshotName()}). */
    public void makeSlot() throws SQLException {
        slotMaker.make();
    }

    /** Tells the source it may free WAL up to the last position the target committed. */
    public void acknowledge() throws SQLException {
        if (stream != null && position > acknowledged) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(position);
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
            stream.forceUpdateStatus();
            acknowledged = position;
        }
    }

    /** Gives the target connection back to the streams' pool (no target transaction is open). */
    void releaseTarget() {
        Connection c = target;
        target = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Already gone.
            }
        }
    }

    @Override
    public void close() {
        for (Connection c : new Connection[] {target, sourceCatalog}) {
            if (c == null) {
                continue;
            }
            try {
                if (!c.isClosed()) {
                    c.rollback();
                }
            } catch (SQLException ignored) {
                // Closing is what matters.
            }
            try {
                c.close();
            } catch (SQLException ignored) {
                // Already gone.
            }
        }
        target = null;
        sourceCatalog = null;
    }
}
