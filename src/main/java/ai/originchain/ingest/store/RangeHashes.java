package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceRead;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.KeyRanges;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.sync.SqlTasks;
import ai.originchain.ingest.typemap.SourceType;

/**
 * The re-sync's range comparison, before the source is read: cuts the key space at every
 * {@code originchain.sync.range-rows}-th key of the target, has the source (in the sync's snapshot)
 * and the target (its scope: a mirror's filter and live rows) each count and hash their rows per
 * range at the same time, and limits the read and the merge that follow to the ranges that differ
 * ({@link ai.originchain.ingest.sync.ModeState#rangeCondition()}). Rows of equal ranges count as read
 * and written, unchanged. Only an optimisation: when it cannot run or fails, the whole table is merged.
 */
@Component("rangeHashes")
public class RangeHashes {

    private static final Logger log = LoggerFactory.getLogger(RangeHashes.class);
    /** Ranges the probe compares first. */
    static final int PROBES = 32;

    private final TargetConnections target;
    private final RangeDigestCache cache;
    private final RangeDigestRefresh refresh;
    private final int rangeRows;
    private final int hashConnections;
    private final int maxRanges;
    private final int mergeParts;
    private final int mergePartMinRanges;

    public RangeHashes(TargetConnections target, RangeDigestCache cache, RangeDigestRefresh refresh, IngestProperties properties) {
        this.target = target;
        this.cache = cache;
        this.refresh = refresh;
        this.rangeRows = properties.getSync().getRangeRows();
        this.hashConnections = Math.max(1, properties.getSync().getRangeHashConnections());
        this.maxRanges = properties.getSync().getMaxRanges();
        this.mergeParts = Math.max(1, properties.getSync().getMergeParts());
        this.mergePartMinRanges = (int) Math.min(Integer.MAX_VALUE,
                Math.max(1, properties.getSync().getMergePartMinRows() / Math.max(1, rangeRows)));
    }

    public void compare(MappingJob job) {
        KeyOrder order = job.keyOrder();
        SourceRead source = job.run().sourceRead();
        if (rangeRows <= 0 || order == null || source == null || !source.hashesRanges() || !job.targetPlan().exists()) {
            return;
        }
        long started = System.nanoTime();
        try {
            String condition = differingRanges(job, order, source);
            job.modes().rangeCondition(condition);
            List<String> parts = job.modes().mergeParts();
            log.info("sync {} {}: {} of {} key ranges differ, {}{} (compared in {} ms)", job.run().id(), job,
                    job.report().rangesDiffering(), job.report().rangesCompared(),
                    condition == null ? "the whole table is merged" : "only they are read and merged",
                    parts == null ? "" : ", in " + parts.size() + " key-range parts at once",
                    (System.nanoTime() - started) / 1_000_000);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SyncFailure failure && failure.kind() == SyncFailure.Kind.CANCELLED) {
                throw failure;
            }
            job.modes().rangeCondition(null);
            job.modes().mergeParts(null);
            job.modes().keptRanges(null);
            job.report().ranges(0, 0);
            job.report().targetRangesHashed(0);
            log.warn("sync {} {}: comparing key ranges failed, the whole table is merged: {}", job.run().id(), job,
                    e instanceof SQLException sql ? TargetErrors.summary(sql) : e.toString());
        }
        job.run().throwIfAborted();
    }

    /** The condition selecting the differing ranges, or null to merge the whole table. */
    private String differingRanges(MappingJob job, KeyOrder order, SourceRead source) throws SQLException {
        TargetPlan plan = job.targetPlan();
        String table = SqlNames.qualified(plan.tenant(), plan.table());
        // Before the snapshot below, so it sees the digests a refresh is about to keep.
        refresh.awaitTable(plan, job.run());
        try (Connection connection = target.work(job.run())) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try {
                try (Statement st = connection.createStatement()) {
                    st.execute("SET LOCAL jit = off");
                }
                String signature = cache.signature(connection, plan, order, job.modes().targetScope());
                KeptRanges kept = cache.load(connection, plan, signature, order.names().size());
                String[][] bounds = kept != null ? kept.bounds() : KeyRanges.bounds(connection, table, order, rangeRows, maxRanges);
                if (bounds[0].length == 0) {
                    return null; // a target this small is merged whole
                }
                if (mostDiffer(job, order, source, connection, table, bounds)) {
                    splitMerge(job, order, bounds, null);
                    return null;
                }
                KeyRanges.Digests atSource;
                KeyRanges.Digests atTarget;
                long hashing = System.nanoTime();
                CompletableFuture<KeyRanges.Digests> sourceSide = atSource(job, order, source, bounds,
                        job.modes().sourceWhere(), KeyRanges.all(bounds), hashConnections);
                long targetMs;
                try {
                    atTarget = atTarget(job, order, connection, table, bounds, kept);
                    targetMs = (System.nanoTime() - hashing) / 1_000_000;
                } finally {
                    atSource = SqlTasks.join(sourceSide);
                }
                log.info("sync {} {}: {} ranges hashed, the target's in {} ms ({} ranges' content, the others' kept), "
                                + "both sides' in {} ms", job.run().id(), job, bounds[0].length + 1, targetMs,
                        job.report().targetRangesHashed(), (System.nanoTime() - hashing) / 1_000_000);
                job.modes().keptRanges(new KeptRanges(signature, kept == null ? 0 : kept.generation(), bounds, atTarget,
                        atSource.rows(), kept == null || changedEntries(kept, atTarget)));
                return condition(job, order, bounds, atSource, atTarget);
            } finally {
                if (!connection.isClosed()) {
                    connection.rollback();
                }
            }
        }
    }

    /**
     * The target's digests, in the transaction's one snapshot: without a kept entry, content and row
     * versions of every range in one scan; with one, the row versions of every range (a quarter of the
     * CPU), then the content of only the ranges whose entry does not hold, and of those due for a check.
     */
    private static KeyRanges.Digests atTarget(MappingJob job, KeyOrder order, Connection connection, String table,
                                              String[][] bounds, KeptRanges kept) throws SQLException {
        List<String> columns = targetColumns(job.targetPlan());
        String scope = job.modes().targetScope();
        int ranges = bounds[0].length + 1;
        KeyRanges.Digests digests = KeyRanges.Digests.of(ranges, true);
        if (kept == null) {
            KeyRanges.measure(connection, KeyRanges.Measure.BOTH, columns, table, order, scope, bounds, KeyRanges.all(bounds),
                    true, digests);
            job.report().targetRangesHashed(ranges);
            return digests;
        }
        KeyRanges.measure(connection, KeyRanges.Measure.VERSIONS, columns, table, order, scope, bounds, KeyRanges.all(bounds),
                true, digests);
        List<Integer> stale = new java.util.ArrayList<>();
        for (int i = 0; i < ranges; i++) {
            if (kept.holds(i, digests) && !kept.dueForCheck(i)) {
                digests.hashes()[i] = kept.target().hashes()[i];
            } else if (digests.rows()[i] > 0) {
                stale.add(i);
            }
        }
        KeyRanges.measure(connection, KeyRanges.Measure.BOTH, columns, table, order, scope, bounds,
                stale.stream().mapToInt(Integer::intValue).toArray(), true, digests);
        job.report().targetRangesHashed(stale.size());
        return digests;
    }

    private static boolean changedEntries(KeptRanges kept, KeyRanges.Digests now) {
        for (int i = 0; i < now.ranges(); i++) {
            if (!kept.sameEntry(i, now)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A probe before the whole comparison: {@link #PROBES} ranges spread over the key space, hashed on
     * both sides. When more than a third of them differ (changes scattered all over the table), hashing
     * every range costs more than it saves: on both servers it costs about as much as four fifths of a
     * whole-table merge (measured at 10M rows), so the table is merged whole.
     */
    private static boolean mostDiffer(MappingJob job, KeyOrder order, SourceRead source, Connection connection, String table,
                                      String[][] bounds) throws SQLException {
        int ranges = bounds[0].length + 1;
        if (ranges < PROBES * 8) {
            return false; // a table this small is compared whole at once
        }
        int[] probes = new int[PROBES];
        for (int j = 0; j < PROBES; j++) {
            probes[j] = 1 + (int) ((long) j * (ranges - 2) / PROBES);
        }
        CompletableFuture<KeyRanges.Digests> sourceSide = atSource(job, order, source, bounds, job.modes().sourceWhere(),
                probes, 1);
        KeyRanges.Digests atTarget = KeyRanges.Digests.of(ranges, false);
        KeyRanges.Digests atSource;
        try {
            KeyRanges.measure(connection, KeyRanges.Measure.CONTENT, targetColumns(job.targetPlan()), table, order, job.modes().targetScope(), bounds,
                    probes, true, atTarget);
        } finally {
            atSource = SqlTasks.join(sourceSide);
        }
        int differing = 0;
        for (int range : probes) {
            if (!atSource.sameAs(atTarget, range)) {
                differing++;
            }
        }
        if (differing * 3 > PROBES) {
            job.report().ranges(PROBES, differing);
            job.report().targetRangesHashed(PROBES);
            return true;
        }
        return false;
    }

    /** The source's digests of {@code ranges}, in the sync's snapshot, on a thread of its own. */
    private static CompletableFuture<KeyRanges.Digests> atSource(MappingJob job, KeyOrder order, SourceRead source,
                                                                 String[][] bounds, String where, int[] ranges,
                                                                 int connections) {
        List<String> sourceRow = sourceRow(job);
        return SqlTasks.start("originchain-range-hash",
                () -> source.hashRanges(job.sourceTable(), sourceRow, order, where, bounds, ranges, connections));
    }

    /** The target's columns, quoted, in the mapping's order: what the target's content digest covers. */
    static List<String> targetColumns(TargetPlan plan) {
        return plan.columns().stream().map(c -> SqlNames.quote(c.name())).toList();
    }

    /**
     * The source's columns as the target holds them, where the type map changed the type: a domain as
     * its base type (the same value), an enum, composite, user-defined range or extension type as its
     * text output (what the target's text column got). Any other difference stays: those ranges differ
     * and are merged.
     */
    static List<String> sourceRow(MappingJob job) {
        List<String> row = new java.util.ArrayList<>();
        for (int i = 0; i < job.sourceTable().columns().size(); i++) {
            SourceColumn column = job.sourceTable().columns().get(i);
            String targetType = job.targetPlan().columns().get(i).type();
            String name = SqlNames.quote(column.name());
            SourceType type = column.type();
            SourceType base = type;
            while (base.kind() == 'd' && base.base() != null) {
                base = base.base();
            }
            if (type.formatted().equals(targetType) || type.isArray() || base.isArray()) {
                row.add(name);
            } else if (type.kind() == 'd' && base.isBuiltIn() && base.kind() == 'b' && base.formatted().equals(targetType)) {
                row.add("CAST(" + name + " AS " + targetType + ")");
            } else if (targetType.equals("text") && (base.kind() != 'b' || !base.isBuiltIn())) {
                row.add("CAST(" + name + " AS text)");
            } else {
                row.add(name);
            }
        }
        return row;
    }

    /** Cuts the merge of the {@code merged} ranges (null: all) into parts that run at once, when it is large enough. */
    private void splitMerge(MappingJob job, KeyOrder order, String[][] bounds, boolean[] merged) {
        boolean[] ranges = merged;
        if (ranges == null) {
            ranges = new boolean[bounds[0].length + 1];
            java.util.Arrays.fill(ranges, true);
        }
        job.modes().mergeParts(mergeParts < 2 ? null : KeyRanges.parts(order, bounds, ranges, mergeParts, mergePartMinRanges));
    }

    private String condition(MappingJob job, KeyOrder order, String[][] bounds, KeyRanges.Digests source,
                             KeyRanges.Digests target) {
        int ranges = source.ranges();
        boolean[] differs = new boolean[ranges];
        int differing = 0;
        for (int i = 0; i < ranges; i++) {
            differs[i] = !source.sameAs(target, i);
            if (differs[i]) {
                differing++;
            }
        }
        job.report().ranges(ranges, differing);
        if (differing * 4L > ranges * 3L) {
            splitMerge(job, order, bounds, null);
            return null; // nearly everything differs: one merge of the whole table is cheaper than many runs
        }
        splitMerge(job, order, bounds, differs);
        List<int[]> runs = KeyRanges.runs(differs, KeyRanges.MAX_CONDITION_RUNS);
        // The rows of the ranges left out are read and written, unchanged; those inside a run the merge counts.
        long skippedRows = 0;
        int next = 0;
        for (int[] run : runs) {
            for (int i = next; i < run[0]; i++) {
                skippedRows += source.rows()[i];
            }
            next = run[1] + 1;
        }
        for (int i = next; i < ranges; i++) {
            skippedRows += source.rows()[i];
        }
        job.report().addRowsRead(skippedRows);
        job.report().addWritten(skippedRows, 0);
        return KeyRanges.condition(order, bounds, runs);
    }
}
