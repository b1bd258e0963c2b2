package ai.originchain.ingest.stream;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.store.TargetLocks;

/**
 * The advisory locks this instance's streams hold in the target store (a stream's own, its target
 * tables'), all on one session of the streams' pool, so a stream holds no connection of its own while
 * it connects, waits or retries. When the instance dies the session goes and with it every lock, so
 * another instance takes the streams over. A key is held at most once in this instance too (the
 * session's locks stack), so two streams into one table exclude each other as they do across instances.
 * When the session breaks, its locks are gone: {@link #generation()} changes and every runner stops.
 */
@Component
public class StreamLocks implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamLocks.class);

    private final StreamTargetPool pool;
    private final Set<String> held = new HashSet<>();
    private Connection session;
    private long generation;

    public StreamLocks(StreamTargetPool pool) {
        this.pool = pool;
    }

    /** Counts the sessions the locks were taken on: a runner whose locks are of an older one holds none. */
    public synchronized long generation() {
        return generation;
    }

    /**
     * Takes the lock unless anyone holds it: the generation it is held in, or -1 when another instance
     * (or another holder here) holds it, or when {@code within} (0 or more) is no longer the generation.
     */
    public synchronized long tryLock(String key, long within) throws SQLException {
        if (held.contains(key)) {
            return -1;
        }
        Connection c = session();
        if (within >= 0 && within != generation) {
            return -1;
        }
        try (PreparedStatement st = c.prepareStatement(TargetLocks.TRY_LOCK)) {
            st.setString(1, key);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    held.add(key);
                    return generation;
                }
                return -1;
            }
        } catch (SQLException e) {
            lost();
            throw e;
        }
    }

    /** Releases a lock {@link #tryLock} took in the given generation (an older one's locks went with its session). */
    public synchronized void unlock(String key, long takenIn) {
        if (takenIn != generation || !held.remove(key)) {
            return;
        }
        try (PreparedStatement st = session().prepareStatement(TargetLocks.UNLOCK)) {
            st.setString(1, key);
            st.execute();
        } catch (SQLException e) {
            // A lock that cannot be released goes with the session: cut it.
            lost();
        }
    }

    /** Whether the locks' session is still there; when it broke, the locks are gone and the generation moves on. */
    public synchronized boolean intact() {
        if (session == null) {
            return true;
        }
        try {
            if (session.isValid(5)) {
                return true;
            }
        } catch (SQLException e) {
            // Treated as broken below.
        }
        lost();
        return false;
    }

    /** The service is stopping (its runners have stopped): the session goes back, so the pool closes at once. */
    @Override
    public synchronized void close() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException ignored) {
                // Its locks go with it either way.
            }
            session = null;
        }
        held.clear();
    }

    private Connection session() throws SQLException {
        if (session == null) {
            Connection c = pool.connection();
            c.setAutoCommit(true);
            session = c;
        }
        return session;
    }

    private void lost() {
        if (session != null) {
            log.warn("the streams' lock session at the target store broke; this instance's streams stop and start again");
            pool.evict(session);
        }
        session = null;
        if (!held.isEmpty()) {
            held.clear();
            generation++;
        }
    }
}
