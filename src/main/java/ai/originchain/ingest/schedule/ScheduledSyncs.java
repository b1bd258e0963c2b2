package ai.originchain.ingest.schedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.api.ManifestParser;
import ai.originchain.ingest.sync.SyncHistory;
import ai.originchain.ingest.sync.SyncManifest;
import ai.originchain.ingest.sync.SyncSteps;

/**
 * The steps of a scheduled sync around the shared chain: skip a tick while the previous run of the
 * same schedule is still going, load the schedule's manifest with its secrets filled in from
 * property placeholders, and log the outcome as a sync report.
 */
@Component("scheduledSyncs")
public class ScheduledSyncs {

    private static final Logger log = LoggerFactory.getLogger(ScheduledSyncs.class);
    public static final String MANIFEST = "originchainManifest";

    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final ManifestParser parser;
    private final SyncHistory history;
    private final CamelContext camel;
    private final ObjectMapper json;

    public ScheduledSyncs(ManifestParser parser, SyncHistory history, CamelContext camel, ObjectMapper json) {
        this.parser = parser;
        this.history = history;
        this.camel = camel;
        this.json = json;
    }

    /** True when this tick may run; false (logged, and kept in the run history) while the last one still runs. */
    public boolean tryEnter(@ExchangeProperty(SyncSteps.SCHEDULE) String schedule, @Header("tenant") String tenant,
                            @Header("scheduledFireTime") Date fireTime) {
        if (running.add(schedule)) {
            return true;
        }
        log.warn("schedule {}: the tick of {} is skipped, the previous run is still going", schedule, fireTime);
        history.recordSkipped(tenant, "schedule:" + schedule, fireTime == null ? null : fireTime.toInstant(),
                "the previous run of this schedule was still going");
        return false;
    }

    public void exit(@ExchangeProperty(SyncSteps.SCHEDULE) String schedule) {
        running.remove(schedule);
    }

    /** The schedule's manifest, secrets resolved, parsed exactly as a POST body would be. */
    public SyncManifest load(@ExchangeProperty(MANIFEST) String manifestPath,
                             @ExchangeProperty(ai.originchain.ingest.source.SourceInspector.ENGINE) String engine) {
        return parser.parseFor(resolve(camel, Path.of(manifestPath)), engine);
    }

    /** Reads a manifest file (JSON, or YAML of the same shape) and fills in its {{placeholders}}. */
    public static byte[] resolve(CamelContext camel, Path manifest) {
        String text;
        try {
            text = Files.readString(manifest);
        } catch (IOException e) {
            throw SyncFailure.invalid("manifest", "cannot read " + manifest + ": " + e.getClass().getSimpleName());
        }
        String resolved;
        try {
            resolved = camel.resolvePropertyPlaceholders(text);
        } catch (RuntimeException e) {
            // The message names the missing property, never a value.
            throw SyncFailure.invalid("manifest", manifest + ": a placeholder has no value: " + e.getMessage());
        }
        String name = manifest.getFileName().toString();
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            Object tree = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
                    new org.yaml.snakeyaml.LoaderOptions())).load(resolved);
            try {
                return new ObjectMapper().writeValueAsBytes(tree);
            } catch (IOException e) {
                throw SyncFailure.invalid("manifest", manifest + " is not a YAML mapping");
            }
        }
        return resolved.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Logs the sync report (or problem) the chain produced; it never holds a password. */
    public void logResult(@ExchangeProperty(SyncSteps.SCHEDULE) String schedule, Exchange exchange) throws IOException {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        JsonNode report = json.readTree(exchange.getMessage().getBody(String.class));
        if (status != null && status == 200) {
            log.info("schedule {}: sync {} succeeded: {}", schedule, report.path("sync_id").asText(), report.path("mappings"));
        } else if (status != null && status == 409) {
            log.warn("schedule {}: skipped, a sync of the same target is running elsewhere: {}", schedule,
                    report.path("detail").asText());
        } else {
            log.error("schedule {}: sync failed with {}: {}; retried at the next tick", schedule, status,
                    report.path("detail").asText());
        }
    }

    public void failed(@ExchangeProperty(SyncSteps.SCHEDULE) String schedule, Exchange exchange) {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String detail = error instanceof SyncFailure failure ? failure.kind() + " " + failure.getMessage()
                : error == null ? "unknown" : error.getClass().getName();
        log.error("schedule {}: could not start the sync: {}; retried at the next tick", schedule, detail);
    }

}
