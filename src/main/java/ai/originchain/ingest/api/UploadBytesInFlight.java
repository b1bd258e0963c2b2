package ai.originchain.ingest.api;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;

/**
 * The bytes of SQLite uploads stored on this instance at once, from their first byte until their
 * request ends, bounded by {@code originchain.sqlite.max-upload-bytes-in-flight}: an upload that
 * would go over it is refused (429 with Retry-After) before the bytes are written.
 */
@Component
public class UploadBytesInFlight {

    static final Duration RETRY_AFTER = Duration.ofSeconds(10);

    private final long limit;
    private final AtomicLong stored = new AtomicLong();

    public UploadBytesInFlight(IngestProperties properties) {
        this.limit = properties.getSqlite().getMaxUploadBytesInFlight();
    }

    /** Counts {@code bytes} more before they are written; 429 when they would not fit. */
    void take(long bytes) {
        long after = stored.addAndGet(bytes);
        if (after > limit) {
            stored.addAndGet(-bytes);
            throw SyncFailure.limitReached("the uploads being stored on this instance hold its limit of " + limit
                    + " bytes (originchain.sqlite.max-upload-bytes-in-flight); retry when one has ended", RETRY_AFTER);
        }
    }

    /** Gives back the bytes of an upload whose file was deleted. */
    void giveBack(long bytes) {
        stored.addAndGet(-bytes);
    }
}
