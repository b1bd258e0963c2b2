package ai.originchain.ingest.stream;

import java.time.Duration;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;

/**
 * How many streams may exist: {@code originchain.streams.max-per-tenant} per tenant and
 * {@code originchain.streams.max} in all, counted in the target store, so across every instance. Every
 * stored stream counts, failed and deleting ones too: each keeps a slot at its source.
 */
@Component
public class StreamLimits {

    /** A stream's place frees only when one is deleted: the caller is told to come back in a minute. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(60);

    private final IngestProperties.Streams settings;

    public StreamLimits(IngestProperties properties) {
        this.settings = properties.getStreams();
    }

    /** The 429 for one more stream of the tenant, or null when it fits. */
    SyncFailure refusal(String tenant, StreamStore.Counts counts) {
        if (counts.ofTenant() >= settings.getMaxPerTenant()) {
            return SyncFailure.limitReached("tenant " + tenant + " has " + counts.ofTenant() + " streams, its limit "
                    + "(originchain.streams.max-per-tenant); DELETE one before creating another", RETRY_AFTER);
        }
        if (counts.inAll() >= settings.getMax()) {
            return SyncFailure.limitReached("the service runs as many streams as it takes (originchain.streams.max); "
                    + "retry once one is deleted", RETRY_AFTER);
        }
        return null;
    }
}
