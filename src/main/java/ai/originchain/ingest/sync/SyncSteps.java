package ai.originchain.ingest.sync;

import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The sync's bookends in the route: open a run for an authenticated manifest, report it, release it. */
@Component("syncRuns")
public class SyncSteps {

    private static final Logger log = LoggerFactory.getLogger(SyncSteps.class);
    public static final String RUN = "syncRun";

    /** Exchange property a scheduled run sets: the schedule's name (quartz adds the header scheduledFireTime). */
    public static final String SCHEDULE = "originchainSchedule";

    private final ObjectMapper json;
    private final SyncHistory history;

    public SyncSteps(ObjectMapper json, SyncHistory history) {
        this.json = json;
        this.history = history;
    }

    public SyncRun open(@Header("tenant") String tenant, Exchange exchange) {
        SyncManifest manifest = exchange.getMessage().getBody(SyncManifest.class);
        SyncRun run = new SyncRun(tenant, manifest);
        String schedule = exchange.getProperty(SCHEDULE, String.class);
        if (schedule != null) {
            java.util.Date fired = exchange.getMessage().getHeader("scheduledFireTime", java.util.Date.class);
            run.triggeredBy("schedule:" + schedule, fired == null ? null : fired.toInstant());
        }
        exchange.setProperty(RUN, run);
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
            run.close();
            Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
            run.finishIfRunning(status != null && status == 200);
            history.recordRun(run, status == null ? 500 : status);
        }
    }
}
