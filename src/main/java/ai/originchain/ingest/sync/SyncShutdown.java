package ai.originchain.ingest.sync;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.SyncFailure;

/**
 * The first thing to stop on shutdown, before the web server's graceful shutdown, Camel and the
 * target store: new syncs are refused (503), running ones get
 * {@code spring.lifecycle.timeout-per-shutdown-phase} to finish, and the rest are aborted and
 * recorded as failed while the target store is still there.
 */
@Component
public class SyncShutdown implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SyncShutdown.class);

    /** Part of the grace kept for aborted syncs to end and be recorded. */
    private static final Duration RECORDING_RESERVE = Duration.ofSeconds(5);

    private final SyncAdmission admission;
    private final Duration grace;
    private volatile boolean running;

    public SyncShutdown(SyncAdmission admission,
                        @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration grace) {
        this.admission = admission;
        this.grace = grace;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        admission.close();
        Duration reserve = RECORDING_RESERVE.compareTo(grace.dividedBy(4)) < 0 ? RECORDING_RESERVE : grace.dividedBy(4);
        try {
            int left = admission.running().size();
            if (left > 0) {
                log.info("shutting down: waiting up to {} s for {} running sync(s) to finish", grace.toSeconds(), left);
            }
            if (!admission.awaitNoneRunning(grace.minus(reserve))) {
                for (SyncRun run : admission.running()) {
                    log.warn("shutting down: sync {} of tenant {} did not finish in time and is aborted", run.id(), run.tenant());
                    run.abort(SyncFailure.shuttingDown());
                }
                if (!admission.awaitNoneRunning(reserve)) {
                    log.warn("shutting down: {} aborted sync(s) had not ended; their runs may not be recorded",
                            admission.running().size());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running = false;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stopped first: the highest phase, above the web server's graceful shutdown. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
