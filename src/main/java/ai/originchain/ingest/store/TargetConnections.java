package ai.originchain.ingest.store;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.springframework.stereotype.Component;

import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.sync.SyncRun;

/**
 * The syncs' share of the target pool (docs/operations.md, "Target connections and threads"): every admitted sync
 * holds a budget of {@link #BUDGET} connections, two it keeps (its target locks, a mirror's delete
 * spool), one for a merge's read of the target rows and one for the rest of its work (batch writes,
 * comparisons, DDL), so it always gets what its work needs, whatever the other syncs do. Parallel
 * work beyond that (a second writer or mapping, a merge in parts) takes a connection no sync holds,
 * only when one is free at once; otherwise it waits for one of its sync's own, or (a merge part) runs
 * in one. Beside the budget each run holds its run-history session ({@code sync/SyncHistory}), taken
 * when the run is opened. The pool is sized for both ({@link TargetPoolSizing}):
 * {@code max-concurrent-syncs × } {@value #PER_SYNC} {@code + service-connections}. A connection of
 * a run that holds no budget (not admitted, a stream's) comes straight from the pool.
 */
@Component("targetConnections")
public class TargetConnections {

    /** Connections a sync's budget holds for its whole run. */
    public static final int BUDGET = 4;
    /** The pool's connections per admitted sync: its budget and its run-history session. */
    public static final int PER_SYNC = BUDGET + 1;
    private static final long WAIT_MILLIS = 200;

    private enum Kind {
        /** Held for the whole sync: its target locks, a mirror's delete spool (two). */
        KEPT,
        /** A merge's read of the target's rows, held while the merge writes. */
        READ,
        /** Everything else: held only for one piece of work, never while waiting for another connection. */
        WORK;

        /** Places of the kind in a budget; together {@link #BUDGET}. */
        int budget() {
            return this == KEPT ? 2 : 1;
        }
    }

    private final DataSource target;
    /** Connections of the syncs' share that no running sync holds: new budgets, and parallel work at once. */
    private final Semaphore unreserved;
    private final Map<String, Budget> budgets = new ConcurrentHashMap<>();

    public TargetConnections(DataSource target, IngestProperties properties) {
        this.target = target;
        int pool = poolSize(target, properties);
        int historySessions = Math.max(1, properties.getApi().getMaxConcurrentSyncs());
        this.unreserved = new Semaphore(Math.max(BUDGET,
                pool - properties.getTargetPool().getServiceConnections() - historySessions), true);
    }

    private static int poolSize(DataSource target, IngestProperties properties) {
        try {
            if (target.isWrapperFor(HikariDataSource.class)) {
                return target.unwrap(HikariDataSource.class).getMaximumPoolSize();
            }
        } catch (SQLException e) {
            // Not a Hikari pool: sized as the formula says.
        }
        return TargetPoolSizing.needed(properties.getApi().getMaxConcurrentSyncs(), properties.getTargetPool().getServiceConnections());
    }

    /**
     * Takes the admitted run's budget. Waits only while parallel work of other syncs holds connections
     * of the share (each given back when its piece of work ends); an abort of the run ends the wait.
     */
    public void reserve(SyncRun run) {
        if (budgets.containsKey(run.id())) {
            return;
        }
        try {
            while (!unreserved.tryAcquire(BUDGET, WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                run.throwIfAborted();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.throwIfAborted();
            throw new IllegalStateException("interrupted while taking the sync's target connections", e);
        }
        budgets.put(run.id(), new Budget());
    }

    /** Gives the run's budget back; its connections still open give theirs back when they close. */
    public void release(SyncRun run) {
        Budget budget = budgets.remove(run.id());
        if (budget != null) {
            unreserved.release(budget.end());
        }
    }

    /** A connection the sync keeps for its whole run (its locks, a mirror's spool). */
    public Connection kept(SyncRun run) throws SQLException {
        return open(run, Kind.KEPT, true);
    }

    /** The connection of a merge's target read. */
    public Connection read(SyncRun run) throws SQLException {
        return open(run, Kind.READ, true);
    }

    /** Another merge read at once (a merge part), or null when neither the sync's own nor a free one is there now. */
    public Connection readIfFree(SyncRun run) throws SQLException {
        return open(run, Kind.READ, false);
    }

    /** A connection for one piece of work, closed before the next. */
    public Connection work(SyncRun run) throws SQLException {
        return open(run, Kind.WORK, true);
    }

    private Connection open(SyncRun run, Kind kind, boolean wait) throws SQLException {
        Budget budget = run == null ? null : budgets.get(run.id());
        if (budget == null) {
            return target.getConnection();
        }
        Runnable giveBack;
        if (budget.take(kind)) {
            giveBack = () -> giveBack(budget, kind);
        } else if (tryUnreserved()) {
            giveBack = unreserved::release;
        } else if (wait) {
            budget.await(kind, run);
            giveBack = () -> giveBack(budget, kind);
        } else {
            return null;
        }
        try {
            return releasing(target.getConnection(), giveBack);
        } catch (SQLException | RuntimeException e) {
            giveBack.run();
            throw e;
        }
    }

    /** A free connection of the share, unless a sync waits for its budget (a fair semaphore keeps the order). */
    private boolean tryUnreserved() {
        try {
            return unreserved.tryAcquire(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void giveBack(Budget budget, Kind kind) {
        if (!budget.giveBack(kind)) {
            unreserved.release(); // the sync has ended: its connection goes back to the share
        }
    }

    /** The pool's connection, whose close also gives the budget's place back, once. */
    private static Connection releasing(Connection pooled, Runnable giveBack) {
        AtomicBoolean closed = new AtomicBoolean();
        return (Connection) Proxy.newProxyInstance(TargetConnections.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        if (closed.compareAndSet(false, true)) {
                            try {
                                pooled.close();
                            } finally {
                                giveBack.run();
                            }
                        }
                        return null;
                    }
                    try {
                        return method.invoke(pooled, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** One sync's places: free ones per kind, until the sync ends. */
    private static final class Budget {
        private final int[] free = new int[Kind.values().length];
        private boolean ended;

        Budget() {
            for (Kind kind : Kind.values()) {
                free[kind.ordinal()] = kind.budget();
            }
        }

        synchronized boolean take(Kind kind) {
            if (ended || free[kind.ordinal()] == 0) {
                return false;
            }
            free[kind.ordinal()]--;
            return true;
        }

        /** Waits for a place of the kind to be given back by the sync's own work, which never waits for this one. */
        synchronized void await(Kind kind, SyncRun run) {
            while (ended || free[kind.ordinal()] == 0) {
                run.throwIfAborted();
                if (ended) {
                    throw new IllegalStateException("sync " + run.id() + " has ended");
                }
                try {
                    wait(WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    run.throwIfAborted();
                    throw new IllegalStateException("interrupted while waiting for a target connection", e);
                }
            }
            free[kind.ordinal()]--;
        }

        /** False once the sync has ended: the place is not the sync's anymore. */
        synchronized boolean giveBack(Kind kind) {
            if (ended) {
                return false;
            }
            free[kind.ordinal()]++;
            notifyAll();
            return true;
        }

        /** Ends the budget; the number of its places that were free. */
        synchronized int end() {
            ended = true;
            int n = 0;
            for (int i = 0; i < free.length; i++) {
                n += free[i];
                free[i] = 0;
            }
            notifyAll();
            return n;
        }
    }
}
