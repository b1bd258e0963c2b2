package ai.originchain.ingest.stream;

import java.time.Instant;
import java.util.UUID;

/**
 * A stream as the target store keeps it. {@code definition} is the PUT body without the password,
 * which is held only in {@code credentials} (encrypted, see {@link StreamCipher}).
 *
 * @param position the commit end LSN of the last source transaction applied; null until the initial copy ended
 */
public record StoredStream(UUID id, String tenant, String stream, String definition, String fingerprint,
                           byte[] credentials, String publication, boolean publicationOwned, String slot,
                           String status, String error, Long sourceLsn, Long lagBytes, Long position,
                           Instant lastAppliedAt) {

    public static final String SNAPSHOTTING = "snapshotting";
    public static final String STREAMING = "streaming";
    public static final String FAILED = "failed";
    public static final String STOPPED = "stopped";
    public static final String DELETING = "deleting";

    public boolean runnable() {
        return SNAPSHOTTING.equals(status) || STREAMING.equals(status);
    }
}
