package ai.originchain.ingest.sync;

import ai.originchain.ingest.sql.SqlNames;

import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.store.TargetPlan;

/** One mapping on its way through the chain: its spec, what the source has, what the target gets. */
public final class MappingJob {

    private final SyncRun run;
    private final MappingSpec mapping;
    private final MappingReport report;
    private final ModeState modes = new ModeState();
    private volatile SourceTable sourceTable;
    private volatile TargetPlan targetPlan;
    private volatile boolean bulkLoad;
    private volatile String loadTable;
    private KeyOrder keyOrder;
    private boolean keyOrderKnown;
    private boolean aborted;
    private int writesInFlight;

    MappingJob(SyncRun run, MappingSpec mapping) {
        this.run = run;
        this.mapping = mapping;
        this.report = new MappingReport(mapping);
    }

    public SyncRun run() { return run; }
    public MappingSpec mapping() { return mapping; }
    public MappingReport report() { return report; }
    public ModeState modes() { return modes; }
    public SourceTable sourceTable() { return sourceTable; }
    public TargetPlan targetPlan() { return targetPlan; }
    public void sourceTable(SourceTable table) { this.sourceTable = table; }
    public void targetPlan(TargetPlan plan) { this.targetPlan = plan; }

    /**
     * Whether batches may be copied straight into the target: it was empty when this sync (which
     * holds its lock) started, and the source guarantees the key unique, so no two rows collide.
     */
    public boolean bulkLoad() { return bulkLoad; }
    public void bulkLoad(boolean bulkLoad) { this.bulkLoad = bulkLoad; }

    /**
     * The side table (in the tenant's schema, without its primary key) that a first sync into a table
     * it created loads, and renames into place once the key is built; null when rows go straight to
     * the target table.
     */
    public String loadTable() { return loadTable; }
    public void loadTable(String name) { this.loadTable = name; }

    /** The table batches are written to, quoted and qualified: the side table while one is loaded. */
    public String writeTable() {
        return SqlNames.qualified(targetPlan.tenant(), loadTable != null ? loadTable : targetPlan.table());
    }

    /**
     * The key order in which the source and the target are both read and merged so unchanged rows
     * are skipped; null for a bulk load (nothing to compare with) or a key whose order {@link KeyOrder}
     * does not reproduce. Known once the target table is ensured.
     */
    public synchronized KeyOrder keyOrder() {
        if (!keyOrderKnown) {
            // An incremental read is a slice of the table: no merge with the whole target.
            // Without a read yet (tests, a stream's snapshot copy) the source is PostgreSQL.
            boolean numericKeys = run.sourceRead() == null || run.sourceRead().ordersNumericKeys();
            keyOrder = bulkLoad || mapping.mode().incremental() ? null : KeyOrder.of(sourceTable, targetPlan, numericKeys);
            keyOrderKnown = true;
        }
        return keyOrder;
    }

    /** Called by a writer before it writes a batch; false once the mapping was aborted. */
    public synchronized boolean beginWrite() {
        if (aborted) {
            return false;
        }
        writesInFlight++;
        return true;
    }

    public synchronized void endWrite() {
        writesInFlight--;
        notifyAll();
    }

    /** Stops further batches; those being written go on to commit or roll back. */
    public synchronized void stopWrites() {
        aborted = true;
    }

    /**
     * Stops further batches and waits for those being written to commit or roll back, so a report
     * of a failed sync counts exactly what the target holds.
     */
    public synchronized void abortAndAwaitWriters(long timeoutMillis) {
        aborted = true;
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (writesInFlight > 0) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "MappingJob[" + mapping.sourceTableName() + " -> " + run.tenant() + "." + mapping.targetSchema() + "]";
    }
}
