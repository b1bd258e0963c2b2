package ai.originchain.ingest.stream;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.postgresql.PGConnection;
import org.postgresql.jdbc.PgConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.originchain.ingest.failure.SourceRowTooLarge;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.store.TargetLocks;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.SourceErrors;

/**
 * Runs one stream on this instance while it holds the stream's advisory lock in the target store
 * ({@link StreamLocks}, so the lock goes when the instance does): takes the initial copy when the
 * stream has none, then streams from the stored position, reconnecting after failures. It holds
 * target connections of the streams' own pool only while it writes.
 */
final class StreamRunner implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(StreamRunner.class);

    private final StreamSupervisor supervisor;
    final StoredStream initial;
    private final Object pause = new Object();
    private volatile boolean stopping;
    private volatile Connection replication;
    private volatile Connection monitor;
    private volatile StreamSession session;
    volatile Long lagBytes;
    /** The {@link StreamLocks#generation()} this runner's locks were taken in; -1 until it holds the stream's. */
    volatile long lockGeneration = -1;
    private volatile long lastWarned;
    private Thread thread;

    StreamRunner(StreamSupervisor supervisor, StoredStream stream) {
        this.supervisor = supervisor;
        this.initial = stream;
    }

    String key() {
        return initial.tenant() + "/" + initial.stream();
    }

    void start() {
        thread = new Thread(this, "stream-" + initial.tenant() + "-" + initial.stream());
        thread.setDaemon(true);
        thread.start();
    }

    boolean alive() {
        return thread != null && thread.isAlive();
    }

    /** Stops after the last committed transaction: an open one is rolled back and comes again on resume. */
    void stop() {
        stopping = true;
        abort(replication);
        synchronized (pause) {
            pause.notifyAll();
        }
    }

    void join(long millis) {
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        StreamLocks locks = supervisor.locks();
        String streamLock = "originchain.stream:" + key();
        List<String> targetLocks = new ArrayList<>();
        long generation = -1;
        try {
            generation = locks.tryLock(streamLock, -1);
            if (generation < 0) {
                return;
            }
            lockGeneration = generation;
            log.info("stream {}: this instance runs it", key());
            supervisor.owned(this);
            while (!stopping && locks.generation() == generation) {
                StoredStream stored = supervisor.store().find(initial.id()).orElse(null);
                if (stored == null || !stored.runnable()) {
                    return;
                }
                StreamDefinitions.Parsed definition = supervisor.definitions().restore(stored.definition(),
                        supervisor.cipher().decrypt(stored.credentials(), stored.id().toString()));
                try {
                    if (targetLocks.isEmpty()) {
                        if (!lockTargets(locks, generation, definition, targetLocks)) {
                            log.info("stream {}: a sync into one of its target tables is running; waiting for it", key());
                            pause();
                            continue;
                        }
                    }
                    runOnce(stored, definition);
                } catch (SyncFailure failure) {
                    if (stopping) {
                        return;
                    }
                    if (failure.kind() == SyncFailure.Kind.MISMATCH || failure.kind() == SyncFailure.Kind.NOT_CONFIGURED
                            || failure.kind() == SyncFailure.Kind.INVALID_REQUEST) {
                        supervisor.fail(stored, failure);
                        return;
                    }
                    if (failure.kind() == SyncFailure.Kind.LIMIT_REACHED) {
                        log.info("stream {}: its initial copy waits for a free sync slot: {}", key(), failure.getMessage());
                    } else {
                        log.warn("stream {}: {}; retrying", key(), failure.getMessage());
                    }
                    pause();
                } catch (SlotLost lost) {
                    supervisor.fail(stored, lost.failure, LOST_RESUME);
                    return;
                } catch (Exception e) {
                    if (stopping) {
                        return;
                    }
                    SourceRowTooLarge tooLarge = SourceRowTooLarge.in(e);
                    if (tooLarge != null) {
                        // The message stays next in the slot: retrying would only meet it again.
                        supervisor.fail(stored, rowTooLarge(definition, tooLarge), TOO_LARGE_RESUME);
                        return;
                    }
                    log.warn("stream {}: {}; retrying", key(), describe(definition, e));
                    pause();
                } finally {
                    definition.manifest().source().wipePassword();
                }
            }
        } catch (SQLException | RuntimeException e) {
            if (!stopping) {
                log.warn("stream {}: the runner stopped: {}", key(), e.getMessage());
            }
        } finally {
            Connections.closeQuietly(monitor);
            monitor = null;
            for (String held : targetLocks) {
                locks.unlock(held, generation);
            }
            if (generation >= 0) {
                locks.unlock(streamLock, generation);
            }
            supervisor.ended(this);
        }
    }

    private void runOnce(StoredStream stored, StreamDefinitions.Parsed definition) throws Exception {
        StreamSession current = new StreamSession(stored, definition);
        session = current;
        try {
            replication = supervisor.connector().openReplication(definition.manifest().source(), stored.stream());
            if (stopping) {
                return;
            }
            PGConnection pg = replication.unwrap(PGConnection.class);
            long position;
            if (stored.position() == null || StoredStream.SNAPSHOTTING.equals(stored.status())) {
                position = snapshot(current, pg);
            } else {
                position = stored.position();
            }
            current.position = position;
            current.written = position;
            current.lastCommitMillis = System.currentTimeMillis();
            PGReplicationStream stream;
            try {
                stream = pg.getReplicationAPI().replicationStream().logical()
                        .withSlotName(stored.slot())
                        .withStartPosition(LogSequenceNumber.valueOf(position))
                        .withSlotOption("proto_version", "1")
                        .withSlotOption("publication_names", publicationOption(stored.publication()))
                        .withStatusInterval(10, TimeUnit.SECONDS)
                        .withAutomaticFlush(supervisor.flushOnKeepalive())
                        .start();
            } catch (SQLException e) {
                if ("55000".equals(e.getSQLState()) || String.valueOf(e.getMessage()).contains("invalidated")) {
                    throw new SlotLost(lostFailure(stored));
                }
                throw e;
            }
            current.stream = stream;
            log.info("stream {}: streaming from {}", key(), LogSequenceNumber.valueOf(position).asString());
            int batchChanges = supervisor.batchChanges();
            List<byte[]> batch = new ArrayList<>();
            boolean endsAtCommit = false;
            while (!stopping) {
                // After a commit, whatever the source has sent already joins the same delivery (one target
                // commit for the transactions in it); once nothing more is there, the delivery goes at once.
                ByteBuffer message = endsAtCommit ? stream.readPending() : stream.read();
                if (message == null) {
                    if (endsAtCommit) {
                        supervisor.consumer().deliver("changes", current, batch);
                        batch = new ArrayList<>();
                        endsAtCommit = false;
                    }
                    continue;
                }
                byte[] data = new byte[message.remaining()];
                message.get(data);
                batch.add(data);
                endsAtCommit = PgOutput.isCommit(data);
                if (batch.size() >= batchChanges) {
                    supervisor.consumer().deliver("changes", current, batch);
                    batch = new ArrayList<>();
                    endsAtCommit = false;
                }
            }
        } finally {
            session = null;
            current.close();
            abort(replication);
            replication = null;
        }
    }

    /**
     * The copy's route is admitted as one of the tenant's syncs first, and only then makes the slot
     * ({@link #makeSlot}): a refused copy touches nothing at the source and is tried on a later poll.
     */
    private long snapshot(StreamSession current, PGConnection pg) throws Exception {
        StoredStream stored = current.stored;
        current.slotMaker = () -> makeSlot(current, pg);
        try {
            // The slot's connection stays idle until the copy is done: any command on it ends the snapshot.
            supervisor.consumer().deliver("snapshot", current, current);
        } catch (SyncFailure failure) {
            if (failure.kind() == SyncFailure.Kind.LIMIT_REACHED && current.snapshotName == null) {
                supervisor.store().status(stored.id(), StoredStream.SNAPSHOTTING, WAITING_FOR_SYNC_SLOT);
            }
            throw failure;
        }
        long consistentPoint = current.consistentPoint;
        supervisor.store().copied(stored.id(), consistentPoint);
        log.info("stream {}: initial copy done", key());
        return consistentPoint;
    }

    private static final String WAITING_FOR_SYNC_SLOT = "{\"kind\": \"waiting\", \"detail\": \"the initial copy waits for "
            + "a free sync slot: the tenant's concurrent syncs (originchain.api.max-concurrent-syncs-per-tenant) or the "
            + "service's are at their limit; nothing is made at the source until then, and the copy starts by itself "
            + "once a sync has ended\"}";

    /** A new slot with an exported snapshot, once the copy is admitted; an interrupted copy's slot is dropped first. */
    private void makeSlot(StreamSession current, PGConnection pg) throws SQLException {
        StoredStream stored = current.stored;
        // A copy that was interrupted cannot reuse its snapshot: drop the slot and copy again.
        try (Connection c = supervisor.connector().openForStream(current.source(), stored.stream())) {
            supervisor.readiness().dropSlot(c, stored.slot());
        }
        supervisor.store().status(stored.id(), StoredStream.SNAPSHOTTING, null);
        supervisor.store().forgetPosition(stored.id());
        ReplicationSlotInfo slot = pg.getReplicationAPI().createReplicationSlot().logical()
                .withSlotName(stored.slot()).withOutputPlugin("pgoutput").make();
        StoredStream now = supervisor.store().find(stored.id()).orElse(null);
        if (now == null || !now.runnable()) {
            throw new IllegalStateException("the stream was deleted while its slot was made");
        }
        log.info("stream {}: slot {} created at {}; copying in snapshot {}", key(), stored.slot(),
                slot.getConsistentPoint().asString(), slot.getSnapshotName());
        current.snapshotName = slot.getSnapshotName();
        current.consistentPoint = slot.getConsistentPoint().asLong();
    }

    /** Called by the supervisor every status interval: lag, slot health, and whether the stream still exists. */
    void check() {
        StreamSession current = session;
        if (current == null || current.stream == null || stopping) {
            return;
        }
        StoredStream stored = supervisor.store().find(initial.id()).orElse(null);
        if (stored == null || !stored.runnable()) {
            stop();
            return;
        }
        try {
            if (monitor == null || monitor.isClosed()) {
                monitor = supervisor.connector().openForStream(current.source(), stored.stream());
            }
            try (PreparedStatement st = monitor.prepareStatement("""
                    SELECT (pg_catalog.pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint,
                           (SELECT wal_status FROM pg_catalog.pg_replication_slots WHERE slot_name = ?)
                    """)) {
                st.setString(1, stored.slot());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    long sourceLsn = rs.getLong(1);
                    String walStatus = rs.getString(2);
                    long confirmed = current.position;
                    PGReplicationStream stream = current.stream;
                    if (stream != null && stream.getLastFlushedLSN() != null) {
                        // A keepalive pgjdbc confirmed (nothing of ours in between) counts as caught up.
                        confirmed = Math.max(confirmed, stream.getLastFlushedLSN().asLong());
                    }
                    long lag = Math.max(0, sourceLsn - confirmed);
                    lagBytes = lag;
                    supervisor.store().lag(stored.id(), sourceLsn, lag);
                    if ("lost".equals(walStatus)) {
                        supervisor.fail(stored, lostFailure(stored), LOST_RESUME);
                        stop();
                        return;
                    }
                    if (lag > supervisor.lagWarningBytes() && System.currentTimeMillis() - lastWarned > 60_000) {
                        lastWarned = System.currentTimeMillis();
                        log.warn("stream {}: {} bytes of WAL behind the source (warning above {}); the source keeps that "
                                + "WAL until the stream catches up", key(), lag, supervisor.lagWarningBytes());
                    }
                }
            }
            monitor.rollback();
        } catch (SQLException | RuntimeException e) {
            Connections.closeQuietly(monitor);
            monitor = null;
        }
    }

    private static final String TOO_LARGE_RESUME = "the change stays next in the slot: raise originchain.source.max-row-bytes "
            + "above it and PUT the stream again, or make the row smaller at the source, DELETE the stream and PUT it again";

    /** On the stream's only mapping, which is then the table; otherwise on {@code mappings}, naming them all. */
    private static SyncFailure rowTooLarge(StreamDefinitions.Parsed definition, SourceRowTooLarge tooLarge) {
        List<MappingSpec> mappings = definition.manifest().mappings();
        String size = " of " + tooLarge.bytes() + " bytes, larger than originchain.source.max-row-bytes ("
                + tooLarge.limit() + " bytes); it was refused before it was read, so ";
        if (mappings.size() == 1) {
            return SyncFailure.mismatch("mappings[0]", "the source sent a change of " + mappings.get(0).sourceTableName()
                    + size + "its row's key could not be told");
        }
        String tables = mappings.stream().map(MappingSpec::sourceTableName).collect(Collectors.joining(", "));
        return SyncFailure.mismatch("mappings", "the source sent a change" + size
                + "which of the stream's tables (" + tables + ") and which row it is could not be told");
    }

    private static final String LOST_RESUME = "the slot can no longer be resumed: DELETE the stream and PUT it again, "
            + "which copies the tables anew in a new slot's snapshot";

    private static SyncFailure lostFailure(StoredStream stored) {
        return SyncFailure.sourceFailed("the source invalidated replication slot " + stored.slot()
                + " (wal_status = lost: it fell behind by more than max_slot_wal_keep_size), so changes since "
                + "the last applied position are gone from the source's WAL. Way out: DELETE the stream and PUT it "
                + "again, which takes a new snapshot; consider a larger max_slot_wal_keep_size");
    }

    private static String publicationOption(String publication) {
        return publication.equals(publication.toLowerCase(java.util.Locale.ROOT)) ? publication
                : "\"" + publication.replace("\"", "\"\"") + "\"";
    }

    /** Every target table's lock, or none: a sync into one of them is running. */
    private boolean lockTargets(StreamLocks locks, long generation, StreamDefinitions.Parsed definition,
                                List<String> held) throws SQLException {
        for (var mapping : definition.manifest().mappings()) {
            String key = TargetLocks.key(initial.tenant(), mapping.targetSchema());
            if (held.contains(key)) {
                continue;
            }
            if (locks.tryLock(key, generation) < 0) {
                held.forEach(k -> locks.unlock(k, generation));
                held.clear();
                return false;
            }
            held.add(key);
        }
        return true;
    }

    private void pause() {
        synchronized (pause) {
            if (!stopping) {
                try {
                    pause.wait(supervisor.pollMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopping = true;
                }
            }
        }
    }

    private static String describe(StreamDefinitions.Parsed definition, Exception e) {
        if (e instanceof SQLException sql) {
            return SourceErrors.reason(definition.manifest().source(), sql);
        }
        return definition.manifest().source().scrub(e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    private static void abort(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.unwrap(PgConnection.class).abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // Closing below is all that is left.
        }
        Connections.closeQuietly(connection);
    }

    /** The source invalidated the slot: only a new snapshot recovers. */
    static final class SlotLost extends Exception {
        final SyncFailure failure;

        SlotLost(SyncFailure failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }
}
