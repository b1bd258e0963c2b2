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
 * source connection. An admitted sync then takes its budget of target connections ({@link TargetConnections}).
 */
@Component("syncAdmission")
public class SyncAdmission {

    /** What a caller turned away by a limit is told to wait before trying again. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    /** Exchange property set once a run holds a slot, so that only admitted runs give one back. */
    static final String ADMITTED = "originchainAdmitted";

    private final IngestProperties properties;
    private final TargetConnections connections;
    private final Set<SyncRun> running = new LinkedHashSet<>();
    private final Map<String, Integer> perTenant = new HashMap<>();
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
        int tenantLimit = properties.getApi().getMaxConcurrentSyncsPerTenant();
        int serviceLimit = properties.getApi().getMaxConcurrentSyncs();
        int ofTenant = perTenant.getOrDefault(run.tenant(), 0);
        if (ofTenant >= tenantLimit) {
            throw SyncFailure.limitReached("tenant " + run.tenant() + " already runs " + ofTenant
                    + " syncs, its limit; retry when one has ended", RETRY_AFTER);
        }
        if (running.size() >= serviceLimit) {
            throw SyncFailure.limitReached("the service already runs " + running.size()
                    + " syncs, its limit; retry when one has ended", RETRY_AFTER);
        }
        running.add(run);
        perTenant.merge(run.tenant(), 1, Integer::sum);
        exchange.setProperty(ADMITTED, Boolean.TRUE);
        return true;
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
