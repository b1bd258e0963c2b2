package ai.originchain.ingest.runs;

import java.util.Map;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;

/** The parameters of the run-history purge (routes/run-history.yaml): {@code originchain.history.retention}. */
@Component("runHistoryRetention")
public class RunHistoryRetention {

    private final IngestProperties properties;

    public RunHistoryRetention(IngestProperties properties) {
        this.properties = properties;
    }

    /** {@code retention} as an ISO-8601 duration, which PostgreSQL reads as an interval. */
    public Map<String, Object> parameters() {
        return Map.of("retention", properties.getHistory().getRetention().toString());
    }
}
