package ai.originchain.ingest.sync;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.postgres.SourceSnapshot;
import ai.originchain.ingest.store.TargetLease;

/** The state of one sync, from the accepted request to its report; closed once, whatever happened. */
public final class SyncRun implements AutoCloseable {

    /** How long a failed sync waits for batches being written to finish before it reports. */
    static final long WRITER_DRAIN_MILLIS = 60_000;

    private final String id = UUID.randomUUID().toString();
    private final String tenant;
    private final SyncManifest manifest;
    private final Instant startedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    private final List<MappingJob> jobs = new ArrayList<>();
    private volatile Instant finishedAt;
    private volatile boolean failed;
    private volatile SyncFailure abortReason;
    private volatile String endedAs;
    private volatile Map<String, Object> webhookOutcome;
    private String trigger = "api";
    private Instant fireTime;
    private TargetLease lease;
    private volatile SourceSnapshot snapshot;
    private volatile ai.originchain.ingest.source.SourceRead sourceRead;
    private final List<java.io.Closeable> openReads = new java.util.concurrent.CopyOnWriteArrayList<>();

    public SyncRun(String tenant, SyncManifest manifest) {
        this.tenant = tenant;
        this.manifest = manifest;
        for (MappingSpec mapping : manifest.mappings()) {
            jobs.add(new MappingJob(this, mapping));
        }
    }

    public String id() { return id; }
    public String tenant() { return tenant; }
    public SyncManifest manifest() { return manifest; }
    public SourceSpec source() { return manifest.source(); }
    public List<MappingJob> jobs() { return jobs; }
    public SourceSnapshot snapshot() { return snapshot; }

    public void lease(TargetLease lease) { this.lease = lease; }
    public String trigger() { return trigger; }
    public Instant fireTime() { return fireTime; }

    /** A run started by a schedule rather than the API, and the tick it belongs to. */
    public void triggeredBy(String trigger, Instant fireTime) {
        this.trigger = trigger;
        this.fireTime = fireTime;
    }
    public void snapshot(SourceSnapshot snapshot) {
        this.snapshot = snapshot;
        SyncFailure reason = abortReason;
        if (reason != null && snapshot != null) {
            // Aborted while the snapshot was being opened: it is closed when the run is released.
            snapshot.abort();
            throw reason;
        }
    }

    /** The sync's consistent read of its source, whatever the engine; closed when the run is. */
    public ai.originchain.ingest.source.SourceRead sourceRead() { return sourceRead; }
    public void sourceRead(ai.originchain.ingest.source.SourceRead read) {
        this.sourceRead = read;
        SyncFailure reason = abortReason;
        if (reason != null && read != null) {
            // Aborted while the read was being opened: it is closed when the run is released.
            read.abort();
            throw reason;
        }
    }

    /** A read that must end, at the latest, when the sync does (or at once, when it was aborted). */
    public void closeWhenDone(java.io.Closeable read) {
        openReads.add(read);
        SyncFailure reason = abortReason;
        if (reason != null) {
            abortReads();
            throw reason;
        }
    }

    /**
     * Stops the sync from another thread (a cancel, a shutdown, a time limit): no further batch is
     * started, whatever its source read waits on is stopped at the source ({@link
     * ai.originchain.ingest.source.SourceRead#abort()}), so the sync fails at once and ends with {@code reason}
     * (what its caller and the run history see); batches being written commit or roll back. Does
     * nothing once the sync has ended or was already aborted.
     */
    public void abort(SyncFailure reason) {
        synchronized (this) {
            if (finishedAt != null || endedAs != null || abortReason != null) {
                return;
            }
            abortReason = reason;
        }
        for (MappingJob job : jobs) {
            job.stopWrites();
        }
        abortReads();
    }

    /** Why the sync was aborted, or null when it was not. */
    public SyncFailure abortReason() {
        return abortReason;
    }

    /** Throws the abort's reason once the sync was aborted, so the chain ends with it. */
    public void throwIfAborted() {
        SyncFailure reason = abortReason;
        if (reason != null) {
            throw reason;
        }
    }

    private void abortReads() {
        for (java.io.Closeable read : openReads) {
            if (read instanceof RowSource source) {
                source.abort();
            }
        }
        SourceSnapshot current = snapshot;
        if (current != null) {
            current.abort();
        }
        ai.originchain.ingest.source.SourceRead read = sourceRead;
        if (read != null) {
            read.abort();
        }
    }

    public void finish(boolean success) {
        failed = !success;
        finishedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    /** The run's final status ({@code succeeded}, {@code failed}, {@code cancelled}, {@code skipped}), set once it ended. */
    public void ended(String status) {
        if (finishedAt == null) {
            finishedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        }
        endedAs = status;
    }

    public boolean isRunning() { return endedAs == null; }

    public Instant startedAt() { return startedAt; }

    /** How the completion webhook went ({@code status}, {@code attempts}, ...), once it was tried. */
    public void webhookOutcome(Map<String, Object> outcome) { this.webhookOutcome = outcome; }

    public Map<String, Object> report() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("sync_id", id);
        json.put("tenant", tenant);
        json.put("trigger", trigger);
        json.put("status", endedAs != null ? endedAs : failed ? "failed" : finishedAt == null ? "running" : "succeeded");
        json.put("started_at", startedAt.toString());
        json.put("finished_at", finishedAt == null ? null : finishedAt.toString());
        if (fireTime != null) {
            json.put("scheduled_at", fireTime.toString());
        }
        json.put("mappings", jobs.stream().map(j -> j.report().toJson()).toList());
        if (manifest.webhook() != null) {
            Map<String, Object> outcome = webhookOutcome;
            json.put("webhook", outcome != null ? outcome : Map.of("status", "pending", "attempts", 0));
        }
        return json;
    }

    /** Marks every mapping that had not finished as failed, for the partial report. */
    public void failMappings(String reason) {
        for (MappingJob job : jobs) {
            job.abortAndAwaitWriters(WRITER_DRAIN_MILLIS);
        }
        for (MappingJob job : jobs) {
            job.report().failed(reason);
        }
    }

    public boolean anyMappingStarted() {
        return jobs.stream().anyMatch(j -> j.report().status() != MappingReport.Status.PENDING);
    }

    private void closeOpenReads() {
        for (java.io.Closeable read : openReads) {
            try {
                read.close();
            } catch (java.io.IOException | RuntimeException ignored) {
                // Closing a read only releases its connection; there is nothing to report.
            }
        }
        openReads.clear();
    }

    /** Releases the source snapshot and the target locks, and wipes the password. */
    @Override
    public void close() {
        for (MappingJob job : jobs) {
            job.abortAndAwaitWriters(WRITER_DRAIN_MILLIS);
        }
        closeOpenReads();
        try {
            if (sourceRead != null) {
                sourceRead.close();
                sourceRead = null;
            }
            if (snapshot != null) {
                snapshot.close();
                snapshot = null;
            }
        } finally {
            try {
                if (lease != null) {
                    lease.close();
                    lease = null;
                }
            } finally {
                manifest.source().wipePassword();
            }
        }
    }
}
