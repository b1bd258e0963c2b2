package ai.originchain.ingest.stream;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.postgres.SourceConnector;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * Ends a deleting stream at its source: drops its slot (and the publication the service made), then
 * removes its record. While the source cannot be reached the stream stays {@code deleting} with an
 * error saying why, and {@link StreamSupervisor} tries again.
 */
@Component
public class StreamDrops {

    private static final Logger log = LoggerFactory.getLogger(StreamDrops.class);

    private final StreamStore store;
    private final StreamDefinitions definitions;
    private final StreamCipher cipher;
    private final SourceConnector connector;
    private final StreamReadiness readiness;
    private final ObjectMapper json;

    public StreamDrops(StreamStore store, StreamDefinitions definitions, StreamCipher cipher, SourceConnector connector,
                       StreamReadiness readiness, ObjectMapper json) {
        this.store = store;
        this.definitions = definitions;
        this.cipher = cipher;
        this.connector = connector;
        this.readiness = readiness;
        this.json = json;
    }

    /** One attempt: true when the slot is gone and the record removed; false when the drop is still pending. */
    public boolean drop(StoredStream stream) {
        StreamDefinitions.Parsed parsed = definitions.restore(stream.definition(),
                cipher.decrypt(stream.credentials(), stream.id().toString()));
        SourceSpec source = parsed.manifest().source();
        SyncFailure pending = null;
        try (Connection c = connector.openForStream(source, stream.stream())) {
            if (!readiness.dropSlot(c, stream.slot())) {
                pending = SyncFailure.sourceFailed("replication slot " + stream.slot() + " stayed in use at the source");
            } else if (stream.publicationOwned()) {
                readiness.dropPublication(c, stream.publication());
            }
        } catch (SQLException e) {
            pending = SourceErrors.connecting(source, e);
        } catch (SyncFailure failure) {
            pending = failure;
        } finally {
            source.wipePassword();
        }
        if (pending != null) {
            store.status(stream.id(), StoredStream.DELETING, pendingError(stream, pending));
            return false;
        }
        store.delete(stream.id());
        log.info("stream {}/{} deleted: slot {} dropped{}", stream.tenant(), stream.stream(), stream.slot(),
                stream.publicationOwned() ? ", publication " + stream.publication() + " dropped" : "");
        return true;
    }

    private String pendingError(StoredStream stream, SyncFailure failure) {
        String what = "replication slot " + stream.slot()
                + (stream.publicationOwned() ? " and publication " + stream.publication() : "");
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("kind", failure.kind().name().toLowerCase(java.util.Locale.ROOT));
        error.put("detail", "the stream is stopped, and deleted once its " + what
                + (stream.publicationOwned() ? " are" : " is") + " dropped at the source, "
                + "which failed: " + failure.getMessage() + ". Until then the slot keeps the source's WAL; the service "
                + "retries in the background");
        error.put("errors", List.of());
        error.put("resume", "nothing to do: once the source can be reached the drop is done and the stream is gone; "
                + "a PUT of this name answers 409 until then");
        try {
            return json.writeValueAsString(error);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
