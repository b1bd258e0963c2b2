package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import javax.sql.DataSource;

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
import ai.originchain.ingest.sync.SqlNames;
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
    /** More runs than this are joined across their narrowest gaps, so the read's condition stays a few hundred KB at most. */
    static final int MAX_RUNS = 10_000;
    /** Ranges the probe compares first. */
    static final int PROBES = 32;

    private final DataSource target;
    private final int rangeRows;

    public RangeHashes(DataSource target, IngestProperties properties) {
        this.target = target;
        this.rangeRows = properties.getSync().getRangeRows();
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
            log.info("sync {} {}: {} of {} key ranges differ ({} rows each), {} in {} ms", job.run().id(), job,
                    job.report().rangesDiffering(), job.report().rangesCompared(), rangeRows,
                    condition == null ? "the whole table is merged" : "only they are read and merged",
                    (System.nanoTime() - started) / 1_000_000);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SyncFailure failure && failure.kind() == SyncFailure.Kind.CANCELLED) {
                throw failure;
            }
            job.modes().rangeCondition(null);
            job.report().ranges(0, 0);
            log.warn("sync {} {}: comparing key ranges failed, the whole table is merged: {}", job.run().id(), job,
                    e instanceof SQLException sql ? TargetErrors.summary(sql) : e.toString());
        }
        job.run().throwIfAborted();
    }

    /** The condition selecting the differing ranges, or null to merge the whole table. */
    private String differingRanges(MappingJob job, KeyOrder order, SourceRead source) throws SQLException {
        TargetPlan plan = job.targetPlan();
        String table = SqlNames.qualified(plan.tenant(), plan.table());
        try (Connection connection = target.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try {
                try (Statement st = connection.createStatement()) {
                    st.execute("SET LOCAL jit = off");
                }
                String[][] bounds = KeyRanges.bounds(connection, table, order, rangeRows);
                if (bounds[0].length == 0) {
                    return null; // a target this small is merged whole
                }
                if (mostDiffer(job, order, source, connection, table, bounds)) {
                    return null;
                }
                KeyRanges.Digests[] digests = bothSides(job, order, source, connection, table, bounds,
                        job.modes().sourceWhere(), job.modes().targetScope(), false);
                return condition(job, order, bounds, digests[0], digests[1]);
            } finally {
                if (!connection.isClosed()) {
                    connection.rollback();
                }
            }
        }
    }

    /**
     * A probe before the whole comparison: {@link #PROBES} ranges spread over the key space, hashed on
     * both sides through one filtered scan each. When more than a third of them differ (changes scattered
     * all over the table), hashing every range costs more than it saves: on both servers it costs about
     * as much as four fifths of a whole-table merge (measured at 10M rows), so the table is merged whole.
     */
    private static boolean mostDiffer(MappingJob job, KeyOrder order, SourceRead source, Connection connection, String table,
                                      String[][] bounds) throws SQLException {
        int ranges = bounds[0].length + 1;
        if (ranges < PROBES * 8) {
            return false; // a table this small is compared whole at once
        }
        List<int[]> probes = new java.util.ArrayList<>();
        for (int j = 0; j < PROBES; j++) {
            int range = 1 + (int) ((long) j * (ranges - 2) / PROBES);
            probes.add(new int[] {range, range});
        }
        String probe = KeyRanges.condition(order, bounds, probes);
        KeyRanges.Digests[] digests = bothSides(job, order, source, connection, table, bounds,
                and(job.modes().sourceWhere(), probe), and(job.modes().targetScope(), probe), true);
        int differing = 0;
        for (int[] range : probes) {
            if (!digests[0].sameAs(digests[1], range[0])) {
                differing++;
            }
        }
        if (differing * 3 > PROBES) {
            job.report().ranges(PROBES, differing);
            return true;
        }
        return false;
    }

    /** The source's digests (in the sync's snapshot, on a thread of its own) and the target's, at the same time. */
    private static KeyRanges.Digests[] bothSides(MappingJob job, KeyOrder order, SourceRead source, Connection connection,
                                                 String table, String[][] bounds, String sourceWhere, String targetWhere,
                                                 boolean few) throws SQLException {
        List<String> sourceRow = sourceRow(job);
        CompletableFuture<KeyRanges.Digests> atSource = CompletableFuture.supplyAsync(() -> {
            try {
                return source.hashRanges(job.sourceTable(), sourceRow, order, sourceWhere, bounds, few);
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        }, RangeHashes::startThread);
        KeyRanges.Digests atTarget;
        try (Statement st = connection.createStatement()) {
            // Each call is a transaction of its own (the probe's ended with its rollback).
            st.execute("SET LOCAL jit = off");
            List<String> columns = job.targetPlan().columns().stream().map(c -> SqlNames.quote(c.name())).toList();
            atTarget = KeyRanges.hash(connection, columns, table, order, targetWhere, bounds, !few);
        } finally {
            connection.rollback();
        }
        return new KeyRanges.Digests[] {join(atSource), atTarget};
    }

    private static String and(String a, String b) {
        return a == null ? b : "(" + a + ") AND " + b;
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

    private static String condition(MappingJob job, KeyOrder order, String[][] bounds, KeyRanges.Digests source,
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
            return null; // nearly everything differs: one merge of the whole table is cheaper than many runs
        }
        List<int[]> runs = KeyRanges.runs(differs, MAX_RUNS);
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

    private static KeyRanges.Digests join(CompletableFuture<KeyRanges.Digests> future) throws SQLException {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    private static void startThread(Runnable task) {
        Thread thread = new Thread(task, "originchain-range-hash");
        thread.setDaemon(true);
        thread.start();
    }
}
