package ai.originchain.ingest.sync;

import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.target.TargetPlan;

/** One mapping on its way through the chain: its spec, what the source has, what the target gets. */
public final class MappingJob {

    private final SyncRun run;
    private final MappingSpec mapping;
    private final MappingReport report;
    private volatile SourceTable sourceTable;
    private volatile TargetPlan targetPlan;

    MappingJob(SyncRun run, MappingSpec mapping) {
        this.run = run;
        this.mapping = mapping;
        this.report = new MappingReport(mapping);
    }

    public SyncRun run() { return run; }
    public MappingSpec mapping() { return mapping; }
    public MappingReport report() { return report; }
    public SourceTable sourceTable() { return sourceTable; }
    public TargetPlan targetPlan() { return targetPlan; }
    public void sourceTable(SourceTable table) { this.sourceTable = table; }
    public void targetPlan(TargetPlan plan) { this.targetPlan = plan; }

    @Override
    public String toString() {
        return "MappingJob[" + mapping.sourceTableName() + " -> " + run.tenant() + "." + mapping.targetSchema() + "]";
    }
}
