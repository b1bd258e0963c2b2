package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.KeyRanges;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.sync.SyncRun;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;

/**
 * The target's range digests computed in the background, after a sync that left none kept for a table
 * (a first sync, whose load no comparison measured) or left most of them stale (a whole-table merge
 * that wrote rows). The next re-sync then finds every range's digests kept and hashes only the source
 * and the target's row versions, instead of the target's content in full on top.
 * <p>
 * One table at a time, on one target connection, in one snapshot per table: each range's rows,
 * versions and content are measured in the same statement, so an entry describes what the range held
 * then, and a later write to it moves its versions (see {@link RangeDigestCache}). Only an
 * optimisation: a failure is logged, and the next re-sync hashes what it finds no entry for. A re-sync
 * of a table whose digests are being computed waits for them ({@link #awaitTable}), which costs it less
 * than hashing the target again on the cores the refresh uses; one still queued is dropped instead.
 */
@Component("rangeDigestRefresh")
public class RangeDigestRefresh {

    private static final Logger log = LoggerFactory.getLogger(RangeDigestRefresh.class);

    /** What one table's refresh needs (no source connection, no credential), and the run's log context. */
    private record Refresh(String runId, TargetPlan plan, KeyOrder order, String targetScope, Map<String, String> logContext) {
        String table() {
            return tableName(plan);
        }
    }

    private static String tableName(TargetPlan plan) {
        return plan.tenant() + "." + plan.table();
    }

    private final DataSource target;
    private final RangeDigestCache cache;
    private final int rangeRows;
    private final int maxRanges;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "originchain-range-digests");
        thread.setDaemon(true);
        return thread;
    });
    /** Refreshes queued or running, by tenant.table; a table's latest one. */
    private final Map<String, Task> pending = new ConcurrentHashMap<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicReference<Connection> running = new AtomicReference<>();
    private volatile boolean stopped;

    public RangeDigestRefresh(DataSource target, RangeDigestCache cache, IngestProperties properties, MeterRegistry registry) {
        this.target = target;
        this.cache = cache;
        this.rangeRows = properties.getSync().getRangeRows();
        this.maxRanges = properties.getSync().getMaxRanges();
        Gauge.builder("originchain.range.digests.pending", queued, AtomicInteger::get)
                .description("Tables whose target range digests are being computed in the background, or wait to be")
                .register(registry);
    }

    /** The route's step once a sync has succeeded: queues the tables it left without (current) digests. */
    public void schedule(SyncRun run) {
        if (rangeRows <= 0 || stopped || run.sourceRead() == null || !run.sourceRead().hashesRanges()) {
            return;
        }
        for (MappingJob job : run.jobs()) {
            try {
                Refresh refresh = refreshFor(run, job);
                if (refresh != null) {
                    submit(refresh);
                }
            } catch (RuntimeException e) {
                // An optimisation only: the sync has succeeded, and stays so.
                log.warn("sync {} {}: the target's range digests are not computed in the background: {}", run.id(), job,
                        e.toString());
            }
        }
    }

    private static Refresh refreshFor(SyncRun run, MappingJob job) {
        TargetPlan plan = job.targetPlan();
        if (plan == null || job.mapping().mode().incremental() || job.sourceTable() == null) {
            return null;
        }
        boolean noneKept = job.modes().keptRanges() == null;
        boolean mergedWhole = job.modes().rangeCondition() == null
                && job.report().rowsChanged() + job.report().rowsDeleted() > 0;
        if (!noneKept && !mergedWhole) {
            return null;
        }
        // The order a re-sync merges in (a first sync's bulk load had none).
        KeyOrder order = job.keyOrder() != null ? job.keyOrder()
                : KeyOrder.of(job.sourceTable(), plan, run.sourceRead().ordersNumericKeys());
        return order == null ? null : new Refresh(run.id(), plan, order, job.modes().targetScope(),
                MDC.getCopyOfContextMap());
    }

    private void submit(Refresh refresh) {
        Task task = new Task(refresh);
        queued.incrementAndGet();
        // A newer refresh of the table replaces one still queued.
        Task before = pending.put(refresh.table(), task);
        if (before != null) {
            before.cancelIfQueued();
        }
        try {
            worker.execute(() -> {
                try {
                    if (!stopped && task.start()) {
                        if (refresh.logContext() != null) {
                            MDC.setContextMap(refresh.logContext());
                        }
                        refresh(refresh);
                    }
                } finally {
                    MDC.clear();
                    finished(task);
                }
            });
        } catch (RuntimeException rejected) {
            finished(task);
        }
    }

    private void finished(Task task) {
        queued.decrementAndGet();
        pending.remove(task.refresh.table(), task);
        task.done.complete(null);
    }

    /** One table's refresh: queued, then running, unless cancelled while still queued. */
    private static final class Task {
        private static final int QUEUED = 0;
        private static final int RUNNING = 1;
        private static final int CANCELLED = 2;

        final Refresh refresh;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicInteger state = new AtomicInteger(QUEUED);

        Task(Refresh refresh) {
            this.refresh = refresh;
        }

        boolean start() {
            return state.compareAndSet(QUEUED, RUNNING);
        }

        boolean cancelIfQueued() {
            return state.compareAndSet(QUEUED, CANCELLED);
        }
    }

    private void refresh(Refresh refresh) {
        TargetPlan plan = refresh.plan();
        String table = SqlNames.qualified(plan.tenant(), plan.table());
        long started = System.nanoTime();
        try (Connection connection = target.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            String[][] bounds;
            KeyRanges.Digests digests;
            String signature;
            running.set(connection);
            try (Statement st = connection.createStatement()) {
                st.execute("SET LOCAL jit = off");
                signature = cache.signature(connection, plan, refresh.order(), refresh.targetScope());
                bounds = KeyRanges.bounds(connection, table, refresh.order(), rangeRows, maxRanges);
                if (bounds[0].length == 0 || stopped) {
                    connection.rollback();
                    return; // a target this small is merged whole: nothing to keep
                }
                List<String> columns = RangeHashes.targetColumns(plan);
                digests = KeyRanges.Digests.of(bounds[0].length + 1, true);
                KeyRanges.measure(connection, KeyRanges.Measure.BOTH, columns, table, refresh.order(), refresh.targetScope(),
                        bounds, KeyRanges.all(bounds), true, digests);
            } finally {
                running.set(null);
            }
            connection.commit();
            cache.replace(connection, plan, signature, bounds, digests);
            connection.commit();
            log.info("sync {}: the target's digests of {} ranges of {} computed in the background in {} ms",
                    refresh.runId(), bounds[0].length + 1, refresh.table(), (System.nanoTime() - started) / 1_000_000);
        } catch (SQLException | RuntimeException e) {
            log.warn("sync {}: computing the target's range digests of {} failed, the next re-sync hashes them: {}",
                    refresh.runId(), refresh.table(), e instanceof SQLException sql ? TargetErrors.summary(sql) : e.toString());
        }
    }

    /**
     * Before a re-sync's range comparison: waits for the refresh of this table when one is running, so
     * the re-sync finds its digests (it has done part of the work the re-sync would do); cancels it when
     * it is still queued (behind other tables' refreshes), since the re-sync hashes and keeps the
     * target's digests itself. Returns early when the sync is aborted.
     */
    public void awaitTable(TargetPlan plan, SyncRun run) {
        Task task = pending.get(tableName(plan));
        if (task == null || task.cancelIfQueued()) {
            return;
        }
        while (!task.done.isDone()) {
            try {
                task.done.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                run.throwIfAborted();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                return;
            }
        }
    }

    /** On shutdown: no new refresh, the running one's connection cut off; nothing waits for them. */
    @PreDestroy
    public void stop() {
        stopped = true;
        worker.shutdownNow();
        Connection connection = running.get();
        if (connection != null) {
            try {
                connection.abort(Runnable::run);
            } catch (SQLException e) {
                log.debug("cancelling the background range digests: {}", e.toString());
            }
        }
    }
}
