package ai.originchain.ingest.sync;

import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.runs.ActiveRuns;
import ai.originchain.ingest.runs.RunMetrics;

/** The sync's bookends in the route: open a run for an authenticated manifest, report it, release it. */
@Component("syncRuns")
public class SyncSteps {

    private static final Logger log = LoggerFactory.getLogger(SyncSteps.class);
    public static final String RUN = "syncRun";
    public static final String MDC_SYNC_ID = "sync_id";
    public static final String MDC_TENANT = "tenant";

    /** Exchange property a scheduled run sets: the schedule's name (quartz adds the header scheduledFireTime). */
    public static final String SCHEDULE = "originchainSchedule";

    private final ObjectMapper json;
    private final SyncHistory history;
    private final ActiveRuns active;
    private final RunMetrics metrics;

    public SyncSteps(ObjectMapper json, SyncHistory history, ActiveRuns active, RunMetrics metrics) {
        this.json = json;
        this.history = history;
        this.active = active;
        this.metrics = metrics;
    }

    /**
     * The run of this exchange: a new one, in the run history as {@code running} from here on, or the
     * one already opened when the request was accepted to run in the background.
     */
    public SyncRun open(@Header("tenant") String tenant, Exchange exchange) {
        SyncRun opened = exchange.getProperty(RUN, SyncRun.class);
        if (opened != null) {
            logContext(opened);
            return opened;
        }
        SyncManifest manifest = exchange.getMessage().getBody(SyncManifest.class);
        SyncRun run = new SyncRun(tenant, manifest);
        String schedule = exchange.getProperty(SCHEDULE, String.class);
        if (schedule != null) {
            java.util.Date fired = exchange.getMessage().getHeader("scheduledFireTime", java.util.Date.class);
            run.triggeredBy("schedule:" + schedule, fired == null ? null : fired.toInstant());
        }
        exchange.setProperty(RUN, run);
        logContext(run);
        active.add(run);
        metrics.started(run);
        history.started(run);
        log.info("sync {} accepted: tenant={} source={} mappings={}", run.id(), tenant, manifest.source(),
                manifest.mappings().stream().map(m -> m.sourceTableName() + "->" + m.targetSchema()).toList());
        return run;
    }

    public void mappingSucceeded(MappingJob job) {
        job.report().succeeded();
        log.info("sync {} {}: done, rows_read={} rows_written={} rows_changed={} in {} ms", job.run().id(), job,
                job.report().rowsRead(), job.report().rowsWritten(), job.report().rowsChanged(), job.report().elapsedMs());
    }

    /** The 200 response: the sync report. */
    public void succeeded(@ExchangeProperty(RUN) SyncRun run, Exchange exchange) throws JsonProcessingException {
        run.throwIfAborted();
        run.finish(true);
        Map<String, Object> report = run.report();
        log.info("sync {} succeeded: {}", run.id(), report.get("mappings"));
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(json.writeValueAsString(report));
    }

    /** Ends the run whatever happened: frees what it held, then writes it to the run history. */
    public void release(Exchange exchange) {
        SyncRun run = exchange.getProperty(RUN, SyncRun.class);
        if (run != null) {
            try {
                run.close();
            } finally {
                Integer http = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
                int httpStatus = http == null ? 500 : http;
                String status = outcome(run, httpStatus);
                run.ended(status);
                history.finished(run, status, httpStatus);
                active.remove(run);
                metrics.ended(run, status);
                clearLogContext();
            }
        }
    }

    /**
     * Every log line of the run carries {@code sync_id} and {@code tenant} (MDC): set on the thread that
     * runs the chain; Camel carries them onto the split and writer threads
     * ({@code camel.main.mdc-logging-keys-pattern}).
     */
    public static void logContext(SyncRun run) {
        MDC.put(MDC_SYNC_ID, run.id());
        MDC.put(MDC_TENANT, run.tenant());
    }

    public static void clearLogContext() {
        MDC.remove(MDC_SYNC_ID);
        MDC.remove(MDC_TENANT);
    }

    private static String outcome(SyncRun run, int httpStatus) {
        SyncFailure aborted = run.abortReason();
        if (aborted != null && aborted.kind() == SyncFailure.Kind.CANCELLED) {
            return "cancelled";
        }
        if (httpStatus == 200) {
            return "succeeded";
        }
        // A sync that found its target busy did not run: recorded as skipped, as a tick that came too early is.
        return httpStatus == 409 && aborted == null ? "skipped" : "failed";
    }
}
