package ai.originchain.ingest.stream;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.api.TenantAuthenticator;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.postgres.SourceConnector;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Runs, on this instance, every stream no other instance runs: every poll interval it starts a
 * runner for each runnable stream it does not run, and the runner keeps it only if it wins the
 * stream's advisory lock. When an instance dies its locks go with its connections, so another
 * takes over within a poll interval and the lock's release. Streams of a tenant no longer configured
 * are left alone (stored, not started); a deleting stream's slot drop is retried with backoff until done.
 * Active once the route's consumer starts.
 */
@Component
public class StreamSupervisor {

    private static final Logger log = LoggerFactory.getLogger(StreamSupervisor.class);

    private final StreamLocks locks;
    private final StreamDrops drops;
    private final TenantAuthenticator tenants;
    private final StreamStore store;
    private final StreamDefinitions definitions;
    private final StreamCipher cipher;
    private final SourceConnector connector;
    private final StreamReadiness readiness;
    private final ObjectProvider<MeterRegistry> meters;
    private final ObjectMapper json;
    private final IngestProperties.Streams settings;
    private final Map<String, StreamRunner> runners = new ConcurrentHashMap<>();
    private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();
    private final Set<UUID> reportedUnconfigured = ConcurrentHashMap.newKeySet();
    private final Map<UUID, DropRetry> dropRetries = new ConcurrentHashMap<>();
    private volatile PgLogicalComponent.StreamConsumer consumer;
    private ScheduledExecutorService scheduler;

    public StreamSupervisor(StreamLocks locks, StreamDrops drops, TenantAuthenticator tenants, StreamStore store,
                            StreamDefinitions definitions, StreamCipher cipher, SourceConnector connector,
                            StreamReadiness readiness, ObjectProvider<MeterRegistry> meters, ObjectMapper json,
                            IngestProperties properties) {
        this.locks = locks;
        this.drops = drops;
        this.tenants = tenants;
        this.store = store;
        this.definitions = definitions;
        this.cipher = cipher;
        this.connector = connector;
        this.readiness = readiness;
        this.meters = meters;
        this.json = json;
        this.settings = properties.getStreams();
    }

    StreamLocks locks() { return locks; }
    StreamStore store() { return store; }
    StreamDefinitions definitions() { return definitions; }
    StreamCipher cipher() { return cipher; }
    SourceConnector connector() { return connector; }
    StreamReadiness readiness() { return readiness; }
    int batchChanges() { return Math.max(1, settings.getBatchChanges()); }
    long pollMillis() { return settings.getPollInterval().toMillis(); }
    long lagWarningBytes() { return settings.getLagWarningBytes(); }
    boolean flushOnKeepalive() { return settings.isFlushOnKeepalive(); }

    PgLogicalComponent.StreamConsumer consumer() {
        PgLogicalComponent.StreamConsumer c = consumer;
        if (c == null) {
            throw SyncFailure.shuttingDown();
        }
        return c;
    }

    synchronized void attach(PgLogicalComponent.StreamConsumer consumer) {
        this.consumer = consumer;
        if (!cipher.configured()) {
            log.info("change streams are off: originchain.secrets.stream-key is not set");
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stream-supervisor");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::poll, 0, pollMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::check, settings.getStatusInterval().toMillis(),
                settings.getStatusInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops every runner after its last committed transaction (the service is stopping). */
    synchronized void detach(PgLogicalComponent.StreamConsumer consumer) {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        List<StreamRunner> running = List.copyOf(runners.values());
        running.forEach(StreamRunner::stop);
        running.forEach(r -> r.join(30_000));
        this.consumer = null;
    }

    /** Starts the stream here now, if no instance runs it. */
    public void wake(StoredStream stream) {
        if (consumer != null && cipher.configured()) {
            startIfIdle(stream);
        }
    }

    /** Stops this instance's runner of a stream, if any, and waits for it to end. */
    public void stop(String tenant, String stream) {
        StreamRunner runner = runners.get(tenant + "/" + stream);
        if (runner != null) {
            runner.stop();
            runner.join(30_000);
        }
    }

    public boolean runsHere(String tenant, String stream) {
        StreamRunner runner = runners.get(tenant + "/" + stream);
        return runner != null && runner.alive();
    }

    private void poll() {
        try {
            for (StoredStream stream : store.runnable()) {
                startIfIdle(stream);
            }
            List<StoredStream> deleting = store.deleting();
            dropRetries.keySet().retainAll(deleting.stream().map(StoredStream::id).toList());
            for (StoredStream stream : deleting) {
                retryDrop(stream);
            }
        } catch (RuntimeException e) {
            log.debug("stream poll failed: {}", e.getMessage());
        }
    }

    private void check() {
        boolean intact = locks.intact();
        long generation = locks.generation();
        for (StreamRunner runner : runners.values()) {
            if (!intact || (runner.lockGeneration >= 0 && runner.lockGeneration != generation)) {
                // Its locks went with a broken session: it stops, and the next poll starts it on a new one.
                runner.stop();
                continue;
            }
            try {
                runner.check();
            } catch (RuntimeException e) {
                log.debug("stream check failed: {}", e.getMessage());
            }
        }
    }

    /** The pending drop of a deleting stream's slot, again once its backoff is over, by one instance at a time. */
    private void retryDrop(StoredStream stream) {
        DropRetry retry = dropRetries.computeIfAbsent(stream.id(), id -> new DropRetry(pollMillis()));
        if (System.currentTimeMillis() < retry.nextAt || runsHere(stream.tenant(), stream.stream())) {
            return;
        }
        String key = "originchain.stream:" + stream.tenant() + "/" + stream.stream();
        long generation;
        try {
            generation = locks.tryLock(key, -1);
        } catch (java.sql.SQLException e) {
            return;
        }
        if (generation < 0) {
            return;
        }
        try {
            if (drops.drop(stream)) {
                dropRetries.remove(stream.id());
                return;
            }
            retry.delay = Math.min(retry.delay * 2, settings.getDropRetryMax().toMillis());
            retry.nextAt = System.currentTimeMillis() + retry.delay;
            log.info("stream {}/{}: its slot could not be dropped yet; next try in {} s", stream.tenant(), stream.stream(),
                    retry.delay / 1000);
        } catch (RuntimeException e) {
            retry.nextAt = System.currentTimeMillis() + retry.delay;
            log.debug("stream {}/{}: drop failed: {}", stream.tenant(), stream.stream(), e.getMessage());
        } finally {
            locks.unlock(key, generation);
        }
    }

    private static final class DropRetry {
        volatile long delay;
        volatile long nextAt;

        DropRetry(long delay) {
            this.delay = delay;
        }
    }

    private synchronized void startIfIdle(StoredStream stream) {
        if (consumer == null) {
            return;
        }
        if (!tenants.configured(stream.tenant())) {
            if (reportedUnconfigured.add(stream.id())) {
                log.warn("stream {}/{} is not started: tenant {} is not configured (originchain.tenants.{}); it stays "
                        + "stored, slot {} kept at its source. Configure the tenant again to run or DELETE it",
                        stream.tenant(), stream.stream(), stream.tenant(), stream.tenant(), stream.slot());
            }
            return;
        }
        String key = stream.tenant() + "/" + stream.stream();
        StreamRunner existing = runners.get(key);
        if (existing != null && existing.alive()) {
            return;
        }
        StreamRunner runner = new StreamRunner(this, stream);
        runners.put(key, runner);
        runner.start();
    }

    /** The runner won the stream's lock: its lag becomes this instance's metric. */
    void owned(StreamRunner runner) {
        MeterRegistry registry = meters.getIfAvailable();
        StoredStream stream = runner.initial;
        if (registry != null) {
            gauges.computeIfAbsent(runner.key(), k -> Gauge.builder("originchain.stream.lag.bytes", runner,
                            r -> r.lagBytes == null ? Double.NaN : r.lagBytes)
                    .description("WAL bytes the source holds that the stream has not applied yet")
                    .tags("tenant", stream.tenant(), "stream", stream.stream())
                    .strongReference(true)
                    .register(registry));
        }
    }

    void ended(StreamRunner runner) {
        String key = runner.key();
        if (runners.remove(key, runner)) {
            Gauge gauge = gauges.remove(key);
            MeterRegistry registry = meters.getIfAvailable();
            if (gauge != null && registry != null) {
                registry.remove(gauge);
            }
        }
    }

    /** The stream stops with status failed and the error; its slot stays, so nothing is lost. */
    void fail(StoredStream stream, SyncFailure failure) {
        fail(stream, failure, "fix the cause, then PUT the stream again with the same manifest; its slot is kept");
    }

    /** As above, with the way out to report ({@code error.resume}). */
    void fail(StoredStream stream, SyncFailure failure, String resume) {
        log.warn("stream {}/{} failed: {}", stream.tenant(), stream.stream(), failure.getMessage());
        try {
            Map<String, Object> error = new java.util.LinkedHashMap<>();
            error.put("kind", failure.kind().name().toLowerCase(java.util.Locale.ROOT));
            error.put("detail", failure.getMessage());
            error.put("errors", failure.errors().stream().map(e -> Map.of("field", e.field(), "message", e.message())).toList());
            error.put("resume", resume);
            store.status(stream.id(), StoredStream.FAILED, json.writeValueAsString(error));
        } catch (JsonProcessingException | RuntimeException e) {
            log.warn("stream {}/{}: could not record the failure: {}", stream.tenant(), stream.stream(), e.getMessage());
        }
    }
}
