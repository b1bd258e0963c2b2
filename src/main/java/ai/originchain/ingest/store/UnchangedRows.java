package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.sync.ChangedRows;
import ai.originchain.ingest.sync.DeletedKeys;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.ModeState;
import ai.originchain.ingest.sync.PartedRead;
import ai.originchain.ingest.sync.RowSource;

/**
 * The diff step: when the target already holds rows and the key's order is one {@link KeyOrder}
 * reproduces, the source rows (read in key order) are merged with the target's current rows and
 * only those the target does not hold exactly go on. Otherwise the rows pass as they are. For a
 * mirror, the target read is its scope only, and the merge spools the keys only the target holds. A
 * source read in key-range parts is merged part by part, each with the target's rows of its range.
 */
@Component("unchangedRows")
public class UnchangedRows {

    private static final Logger log = LoggerFactory.getLogger(UnchangedRows.class);

    private final TargetConnections target;

    public UnchangedRows(TargetConnections target) {
        this.target = target;
    }

    public RowSource skip(@ExchangeProperty("mappingJob") MappingJob job, @Body RowSource rows) {
        KeyOrder order = job.keyOrder();
        if (order == null || job.modes().readsNothing()) {
            return rows;
        }
        DeletedKeys deleted = job.modes().deletedKeys();
        List<String> parts = job.modes().mergeParts();
        if (rows instanceof PartedRead parted && parts != null && parts.size() == parted.parts().size()) {
            RowSource changed = inParts(job, parted, parts, order, deleted);
            if (changed != null) {
                return changed;
            }
        }
        try {
            // A read in parts that could not get a target read each is merged here in one: its parts come in key order.
            ChangedRows changed = new ChangedRows(job, rows,
                    TargetRows.open(target.read(job.run()), job.targetPlan(), order, job.modes().targetReadScope()), order, deleted);
            job.run().closeWhenDone(changed);
            return changed;
        } catch (SQLException e) {
            // Only an optimisation: the upserts that follow meet the target's trouble and report it.
            log.warn("sync {} {}: reading the target for comparison failed, every row is upserted: {}",
                    job.run().id(), job, TargetErrors.summary(e));
            if (deleted != null) {
                deleted.invalidate();
            }
            return rows;
        }
    }

    /**
     * One diff per key-range part, each with the target's rows of that range, run by the batcher on the
     * part's own thread; null (the target reads opened so far closed again) when a target read fails, or
     * when the sync's budget has no connection free for each part now (docs/operations.md, "Target connections and threads").
     */
    private RowSource inParts(MappingJob job, PartedRead parted, List<String> parts, KeyOrder order, DeletedKeys deleted) {
        List<RowSource> targets = new ArrayList<>();
        try {
            for (String part : parts) {
                Connection connection = target.readIfFree(job.run());
                if (connection == null) {
                    targets.forEach(RowSource::close);
                    log.info("sync {} {}: no target connection free for each of {} merge parts, the parts are merged in one",
                            job.run().id(), job, parts.size());
                    return null;
                }
                targets.add(TargetRows.open(connection, job.targetPlan(), order, ModeState.and(job.modes().targetReadScope(), part)));
            }
        } catch (SQLException e) {
            targets.forEach(RowSource::close);
            log.warn("sync {} {}: opening the target reads of {} merge parts failed, the parts are merged in one: {}",
                    job.run().id(), job, parts.size(), TargetErrors.summary(e));
            return null;
        }
        List<RowSource> diffs = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            diffs.add(new ChangedRows(job, parted.parts().get(i), targets.get(i), order, deleted));
        }
        PartedRead changed = new PartedRead(diffs);
        job.run().closeWhenDone(changed);
        return changed;
    }
}
