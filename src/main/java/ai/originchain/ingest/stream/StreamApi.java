package ai.originchain.ingest.stream;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.postgres.SourceConnector;
import ai.originchain.ingest.store.TargetErrors;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sync.SourceSpec;

/** The stream endpoints: PUT starts (or resumes) a stream, GET reports it, DELETE ends it at the source. */
@Component("streamApi")
public class StreamApi {

    private static final Logger log = LoggerFactory.getLogger(StreamApi.class);
    static final Pattern STREAM_NAME = Pattern.compile("^[a-z][a-z0-9_]{0,40}$");

    private final StreamDefinitions definitions;
    private final StreamStore store;
    private final StreamCipher cipher;
    private final StreamReadiness readiness;
    private final SourceConnector connector;
    private final StreamSupervisor supervisor;
    private final StreamDrops drops;
    private final StreamLimits limits;
    private final ObjectMapper json;
    private final org.springframework.beans.factory.ObjectProvider<org.apache.camel.CamelContext> camel;

    public StreamApi(StreamDefinitions definitions, StreamStore store, StreamCipher cipher, StreamReadiness readiness,
                     SourceConnector connector, StreamSupervisor supervisor, StreamDrops drops, StreamLimits limits,
                     ObjectMapper json, org.springframework.beans.factory.ObjectProvider<org.apache.camel.CamelContext> camel) {
        this.drops = drops;
        this.limits = limits;
        this.camel = camel;
        this.definitions = definitions;
        this.store = store;
        this.cipher = cipher;
        this.readiness = readiness;
        this.connector = connector;
        this.supervisor = supervisor;
        this.json = json;
    }

    public void put(@Header("tenant") String tenant, @Header("stream") String stream, Exchange exchange)
            throws JsonProcessingException {
        Outcome outcome = start(tenant, stream, exchange.getMessage().getBody(byte[].class));
        respond(exchange, outcome.status(), outcome.stream());
    }

    /** A PUT's outcome: 201 or 200, and the stream. */
    record Outcome(int status, StoredStream stream) {
    }

    /** A stream declared in routes/ (route template declared-postgres-stream): the PUT, from a manifest file. */
    public void declare(String tenant, String stream, String manifestPath) {
        Outcome outcome = start(tenant, stream, ai.originchain.ingest.schedule.ScheduledSyncs.resolve(
                camel.getObject(), java.nio.file.Path.of(manifestPath)));
        log.info("declared stream {}/{}: {} (slot {}, status {})", tenant, stream,
                outcome.status() == 201 ? "created" : "already there", outcome.stream().slot(), outcome.stream().status());
    }

    public void declarationFailed(String tenant, String stream, Exception e) {
        log.warn("declared stream {}/{} was not started: {}", tenant, stream,
                e instanceof SyncFailure ? e.getMessage() : e.getClass().getSimpleName());
    }

    Outcome start(String tenant, String stream, byte[] body) {
        cipher.requireKey();
        checkName(stream);
        StreamDefinitions.Parsed parsed = definitions.parse(body);
        SourceSpec source = parsed.manifest().source();
        try {
            Optional<StoredStream> existing = store.find(tenant, stream);
            if (existing.isPresent()) {
                return new Outcome(same(existing.get(), parsed), store.find(existing.get().id()).orElse(existing.get()));
            }
            // Before anything is made at the source; counted again with the insert, which decides.
            SyncFailure refused = limits.refusal(tenant, store.count(tenant));
            if (refused != null) {
                throw refused;
            }
            String ownPublication = parsed.publication() == null ? name("originchain", tenant, stream, null) : null;
            String publication = parsed.publication() != null ? parsed.publication() : ownPublication;
            try (Connection c = connector.openForStream(source, stream)) {
                readiness.check(c, parsed.manifest(), parsed.publication(), ownPublication);
                c.rollback();
                if (ownPublication != null) {
                    readiness.createPublication(c, parsed.manifest(), ownPublication);
                }
            } catch (SQLException e) {
                throw SourceErrors.connecting(source, e);
            }
            UUID id = UUID.randomUUID();
            StoredStream row = new StoredStream(id, tenant, stream, parsed.definition(), parsed.fingerprint(),
                    cipher.encrypt(source.passwordForConnect().toCharArray(), id.toString()), publication,
                    ownPublication != null, name("oc", tenant, stream, id), StoredStream.SNAPSHOTTING, null, null, null,
                    null, null);
            SyncFailure[] lateRefusal = new SyncFailure[1];
            StreamStore.Insert inserted = store.insert(row, counts -> (lateRefusal[0] = limits.refusal(tenant, counts)) != null);
            if (inserted == StreamStore.Insert.LIMITED) {
                // Another PUT took the last place meanwhile: what this one made at the source goes again.
                if (ownPublication != null) {
                    dropPublicationQuietly(source, stream, ownPublication);
                }
                throw lateRefusal[0];
            }
            if (inserted == StreamStore.Insert.EXISTS) {
                StoredStream winner = store.find(tenant, stream).orElseThrow();
                return new Outcome(same(winner, parsed), winner);
            }
            log.info("stream {}/{} created: source={} mappings={} publication={} slot={}", tenant, stream, source,
                    parsed.manifest().mappings().stream().map(m -> m.sourceTableName() + "->" + m.targetSchema()).toList(),
                    publication, row.slot());
            supervisor.wake(row);
            return new Outcome(201, store.find(id).orElse(row));
        } finally {
            source.wipePassword();
        }
    }

    private void dropPublicationQuietly(SourceSpec source, String stream, String publication) {
        try (Connection c = connector.openForStream(source, stream)) {
            readiness.dropPublication(c, publication);
        } catch (SQLException | RuntimeException e) {
            log.warn("stream {}: publication {} made for a refused PUT stays at the source: {}", stream, publication,
                    e instanceof SQLException sql ? SourceErrors.reason(source, sql) : e.getMessage());
        }
    }

    /** 200 for the same manifest (a failed stream resumes, with the password just given), else 409. */
    private int same(StoredStream existing, StreamDefinitions.Parsed parsed) {
        if (!existing.fingerprint().equals(parsed.fingerprint()) || StoredStream.DELETING.equals(existing.status())) {
            throw new SyncFailure(SyncFailure.Kind.STATE_CONFLICT, "stream '" + existing.stream() + "' exists with a "
                    + "different manifest" + (StoredStream.DELETING.equals(existing.status()) ? " (being deleted)" : "")
                    + "; DELETE it first");
        }
        String status = existing.status();
        if (!existing.runnable()) {
            status = existing.position() == null ? StoredStream.SNAPSHOTTING : StoredStream.STREAMING;
        }
        store.resume(existing.id(), cipher.encrypt(parsed.manifest().source().passwordForConnect().toCharArray(),
                existing.id().toString()), status);
        supervisor.wake(existing);
        return 200;
    }

    public void get(@Header("tenant") String tenant, @Header("stream") String stream, Exchange exchange)
            throws JsonProcessingException {
        cipher.requireKey();
        checkName(stream);
        StoredStream found = store.find(tenant, stream).orElseThrow(() -> notFound(stream));
        respond(exchange, 200, found);
    }

    public void list(@Header("tenant") String tenant, Exchange exchange) throws JsonProcessingException {
        cipher.requireKey();
        List<Map<String, Object>> streams = store.list(tenant).stream().map(this::report).toList();
        write(exchange, 200, Map.of("streams", streams));
    }

    /** 204 once the slot is dropped; 202 with the stream, {@code deleting}, while the source cannot be reached. */
    public void delete(@Header("tenant") String tenant, @Header("stream") String stream, Exchange exchange)
            throws JsonProcessingException {
        cipher.requireKey();
        checkName(stream);
        StoredStream found = store.find(tenant, stream).orElseThrow(() -> notFound(stream));
        if (!StoredStream.DELETING.equals(found.status())) {
            store.status(found.id(), StoredStream.DELETING, null);
        }
        supervisor.stop(tenant, stream);
        if (!drops.drop(found)) {
            respond(exchange, 202, store.find(found.id()).orElse(found));
            return;
        }
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 204);
        exchange.getMessage().setBody(null);
    }

    private void respond(Exchange exchange, int status, StoredStream stream) throws JsonProcessingException {
        write(exchange, status, report(stream));
    }

    private void write(Exchange exchange, int status, Object body) throws JsonProcessingException {
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setHeader("Cache-Control", "no-store");
        exchange.getMessage().setBody(json.writeValueAsString(body));
    }

    Map<String, Object> report(StoredStream s) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("stream", s.stream());
        body.put("tenant", s.tenant());
        String status = s.status();
        if (s.runnable() && !runnerAlive(s)) {
            status = StoredStream.STOPPED;
        }
        body.put("status", status);
        body.put("slot", s.slot());
        body.put("publication", s.publication());
        body.put("confirmed_lsn", s.position() == null ? null : LogSequenceNumber.valueOf(s.position()).asString());
        body.put("lag_bytes", s.lagBytes() == null ? (s.position() == null ? null : 0L) : s.lagBytes());
        body.put("last_applied_at", s.lastAppliedAt() == null ? null : s.lastAppliedAt().toString());
        try {
            JsonNode definition = json.readTree(s.definition());
            body.put("mappings", definition.get("mappings"));
            body.put("error", s.error() == null ? null : json.readTree(s.error()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return body;
    }

    /** Whether any instance holds the stream's runner lock. */
    private boolean runnerAlive(StoredStream s) {
        if (supervisor.runsHere(s.tenant(), s.stream())) {
            return true;
        }
        try (Connection c = store.connection(); PreparedStatement st = c.prepareStatement("""
                SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks
                                WHERE locktype = 'advisory' AND granted AND objsubid = 1
                                  AND ((classid::bigint << 32) | objid::bigint) = pg_catalog.hashtextextended(?, 0))
                """)) {
            st.setString(1, "originchain.stream:" + s.tenant() + "/" + s.stream());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
    }

    private static void checkName(String stream) {
        if (stream == null || !STREAM_NAME.matcher(stream).matches()) {
            throw SyncFailure.invalid("stream", "a stream name matches " + STREAM_NAME.pattern());
        }
    }

    private static SyncFailure notFound(String stream) {
        return new SyncFailure(SyncFailure.Kind.NOT_FOUND, "no stream '" + stream + "' for this tenant");
    }

    /** {@code prefix_tenant_stream[_id]} within PostgreSQL's 63-byte names, a hash standing in for what does not fit. */
    static String name(String prefix, String tenant, String stream, UUID id) {
        String suffix = id == null ? "" : "_" + id.toString().substring(0, 8);
        String full = prefix + "_" + tenant + "_" + stream + suffix;
        if (full.length() <= 63) {
            return full;
        }
        try {
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(full.getBytes(StandardCharsets.UTF_8)), 0, 4);
            return full.substring(0, 63 - 9) + "_" + hash;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
