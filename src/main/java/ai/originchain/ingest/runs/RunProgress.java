package ai.originchain.ingest.runs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.SyncHistory;
import ai.originchain.ingest.sync.SyncRun;

/**
 * Keeps the run history current for the runs of this instance (routes/run-history.yaml calls it
 * every {@code originchain.history.progress-interval}), and stops a run whose cancel was asked for
 * on another instance.
 */
@Component("runProgress")
public class RunProgress {

    private static final Logger log = LoggerFactory.getLogger(RunProgress.class);

    private final ActiveRuns active;
    private final SyncHistory history;

    public RunProgress(ActiveRuns active, SyncHistory history) {
        this.active = active;
        this.history = history;
    }

    public void record() {
        for (SyncRun run : active.all()) {
            if (history.progress(run) && run.isRunning()) {
                log.info("sync {} of tenant {}: cancel asked for, stopping", run.id(), run.tenant());
                run.abort(cancelled());
            }
        }
    }

    public static SyncFailure cancelled() {
        return SyncFailure.cancelled("the sync was cancelled");
    }
}
