package ai.originchain.ingest.sync;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.store.TargetConnections;

/**
 * Which syncs may run: at most {@code originchain.api.max-concurrent-syncs-per-tenant} per tenant and
 * {@code originchain.api.max-concurrent-syncs} in the whole service (API and scheduled runs alike),
 * and none once the service is shutting down. Decided before the sync takes a target lock or opens a
 * source connection, and for an SQLite upload before its first byte is stored: the upload holds a slot
 * while it is written ({@link #reserve}), which its run takes over.
 * An admitted sync then takes its budget of target connections ({@link TargetConnections}).
 */
@Component("syncAdmission")
public class SyncAdmission {

    /** What a caller turned away by a limit is told to wait before trying again. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    /** Exchange property set once a run holds a slot, so that only admitted runs give one back. */
    static final String ADMITTED = "originchainAdmitted";

    /** Exchange property set while an upload holds a slot that no run has taken over yet. */
    static final String RESERVED = "originchainUploadSlot";

    private final IngestProperties properties;
    private final TargetConnections connections;
    private final Set<SyncRun> running = new LinkedHashSet<>();
    private final Map<String, Integer> perTenant = new HashMap<>();
    /** Slots held by uploads being written, also counted in {@link #perTenant}. */
    private int reserved;
    private boolean closed;

    public SyncAdmission(IngestProperties properties, TargetConnections connections) {
        this.properties = properties;
        this.connections = connections;
    }

    public void admit(@ExchangeProperty(SyncSteps.RUN) SyncRun run, Exchange exchange) {
        if (takeSlot(run, exchange)) {
            try {
                connections.reserve(run);
            } catch (RuntimeException e) {
                leave(exchange);
                throw e;
            }
        }
    }

    /** True when the run got a slot now; false when it held one already. */
    private synchronized boolean takeSlot(SyncRun run, Exchange exchange) {
        if (running.contains(run)) {
            // Admitted already, in the caller's thread, before it went on in the background.
            exchange.setProperty(ADMITTED, Boolean.TRUE);
            return false;
        }
        if (closed) {
            throw SyncFailure.shuttingDown();
        }
        if (exchange.removeProperty(RESERVED) != null) {
            reserved--;
            running.add(run);
            exchange.setProperty(ADMITTED, Boolean.TRUE);
            return true;
        }
        checkRoom(run.tenant());
        running.add(run);
        perTenant.merge(run.tenant(), 1, Integer::sum);
        exchange.setProperty(ADMITTED, Boolean.TRUE);
        return true;
    }

    /**
     * A slot of {@code tenant} for an upload about to be written (429 as for a sync, 503 once shutting
     * down); the run opened for it takes it over in {@link #admit}, else {@link #unreserve} gives it back.
     */
    public synchronized void reserve(String tenant, Exchange exchange) {
        if (closed) {
            throw SyncFailure.shuttingDown();
        }
        checkRoom(tenant);
        reserved++;
        perTenant.merge(tenant, 1, Integer::sum);
        exchange.setProperty(RESERVED, tenant);
    }

    /** Gives back an upload's slot that no run took over (the request failed before its sync was admitted). */
    public synchronized void unreserve(Exchange exchange) {
        Object tenant = exchange.removeProperty(RESERVED);
        if (tenant != null) {
            reserved--;
            perTenant.computeIfPresent(tenant.toString(), (t, n) -> n > 1 ? n - 1 : null);
            notifyAll();
        }
    }

    private void checkRoom(String tenant) {
        int tenantLimit = properties.getApi().getMaxConcurrentSyncsPerTenant();
        int serviceLimit = properties.getApi().getMaxConcurrentSyncs();
        int ofTenant = perTenant.getOrDefault(tenant, 0);
        if (ofTenant >= tenantLimit) {
            throw SyncFailure.limitReached("tenant " + tenant + " already runs " + ofTenant
                    + " syncs, its limit; retry when one has ended", RETRY_AFTER);
        }
        if (running.size() + reserved >= serviceLimit) {
            throw SyncFailure.limitReached("the service already runs " + (running.size() + reserved)
                    + " syncs, its limit; retry when one has ended", RETRY_AFTER);
        }
    }

    /** Gives the slot and the run's target connections back once the run has ended and was recorded. */
    public synchronized void leave(Exchange exchange) {
        SyncRun run = exchange.getProperty(SyncSteps.RUN, SyncRun.class);
        if (run == null || exchange.getProperty(ADMITTED) == null || !running.remove(run)) {
            return;
        }
        connections.release(run);
        exchange.removeProperty(ADMITTED);
        perTenant.computeIfPresent(run.tenant(), (tenant, n) -> n > 1 ? n - 1 : null);
        notifyAll();
    }

    /** From now on every sync is refused as {@link SyncFailure#shuttingDown()}. */
    public synchronized void close() {
        closed = true;
    }

    public synchronized List<SyncRun> running() {
        return List.copyOf(running);
    }

    /** Waits until no sync runs, at most {@code timeout}; true when none is left. */
    public synchronized boolean awaitNoneRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!running.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
