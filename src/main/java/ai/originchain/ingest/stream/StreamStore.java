package ai.originchain.ingest.stream;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.store.TargetErrors;

/** The streams' rows in the target store (through the streams' own pool): definitions, status, positions. */
@Component
public class StreamStore {

    private static final String SELECT = """
            SELECT s.stream_id, s.tenant, s.stream, s.definition::text, s.fingerprint, s.credentials, s.publication,
                   s.publication_owned, s.slot, s.status, s.error::text, s.source_lsn, s.lag_bytes, p.lsn, p.applied_at
              FROM originchain.streams s
              LEFT JOIN originchain.stream_positions p ON p.stream_id = s.stream_id
            """;

    private final StreamTargetPool target;

    public StreamStore(StreamTargetPool target) {
        this.target = target;
    }

    /** A connection of the streams' own pool (autocommit). */
    Connection connection() throws SQLException {
        Connection connection = target.connection();
        try {
            connection.setAutoCommit(true);
            return connection;
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** How many streams the tenant and the whole service have, whatever their status. */
    public record Counts(int ofTenant, int inAll) {
    }

    public Counts count(String tenant) {
        try (Connection c = connection()) {
            return count(c, tenant);
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
    }

    private static Counts count(Connection c, String tenant) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT count(*) FILTER (WHERE tenant = ?), count(*) FROM originchain.streams")) {
            st.setString(1, tenant);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Counts(rs.getInt(1), rs.getInt(2));
            }
        }
    }

    /** What {@link #insert} did. */
    public enum Insert { CREATED, EXISTS, LIMITED }

    /**
     * Inserts a new stream unless one of that name exists or {@code limited} says the counts are full;
     * the count and the insert are one step for every instance sharing the store.
     */
    public Insert insert(StoredStream s, java.util.function.Predicate<Counts> limited) {
        try (Connection c = connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement(
                        "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('originchain.streams.count', 0))")) {
                    lock.execute();
                }
                if (limited.test(count(c, s.tenant()))) {
                    c.rollback();
                    return Insert.LIMITED;
                }
                try (PreparedStatement st = c.prepareStatement("""
                        INSERT INTO originchain.streams (tenant, stream, stream_id, definition, fingerprint, credentials,
                               publication, publication_owned, slot, status)
                        VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, stream) DO NOTHING
                        """)) {
                    st.setString(1, s.tenant());
                    st.setString(2, s.stream());
                    st.setObject(3, s.id());
                    st.setString(4, s.definition());
                    st.setString(5, s.fingerprint());
                    st.setBytes(6, s.credentials());
                    st.setString(7, s.publication());
                    st.setBoolean(8, s.publicationOwned());
                    st.setString(9, s.slot());
                    st.setString(10, s.status());
                    int inserted = st.executeUpdate();
                    c.commit();
                    return inserted == 1 ? Insert.CREATED : Insert.EXISTS;
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
    }

    public Optional<StoredStream> find(String tenant, String stream) {
        List<StoredStream> found = select(SELECT + " WHERE s.tenant = ? AND s.stream = ?", tenant, stream);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public Optional<StoredStream> find(UUID id) {
        List<StoredStream> found = select(SELECT + " WHERE s.stream_id = ?", id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public List<StoredStream> list(String tenant) {
        return select(SELECT + " WHERE s.tenant = ? ORDER BY s.stream", tenant);
    }

    public List<StoredStream> runnable() {
        return select(SELECT + " WHERE s.status IN ('snapshotting', 'streaming') ORDER BY s.created_at");
    }

    public List<StoredStream> deleting() {
        return select(SELECT + " WHERE s.status = 'deleting' ORDER BY s.created_at");
    }

    private List<StoredStream> select(String sql, Object... params) {
        try (Connection c = connection(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            List<StoredStream> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Timestamp applied = rs.getTimestamp(15);
                    rows.add(new StoredStream(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getBytes(6), rs.getString(7), rs.getBoolean(8),
                            rs.getString(9), rs.getString(10), rs.getString(11), (Long) rs.getObject(12),
                            (Long) rs.getObject(13), (Long) rs.getObject(14), applied == null ? null : applied.toInstant()));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
    }

    public void status(UUID id, String status, String errorJson) {
        update("UPDATE originchain.streams SET status = ?, error = ?::jsonb, updated_at = now() WHERE stream_id = ?",
                status, errorJson, id);
    }

    /** A PUT with the same manifest: fresh credentials (a rotated password), and a failed stream resumes. */
    public void resume(UUID id, byte[] credentials, String status) {
        update("UPDATE originchain.streams SET credentials = ?, status = ?, error = NULL, updated_at = now() "
                + "WHERE stream_id = ?", credentials, status, id);
    }

    public void lag(UUID id, long sourceLsn, Long lagBytes) {
        update("UPDATE originchain.streams SET source_lsn = ?, lag_bytes = ?, checked_at = now() WHERE stream_id = ?",
                sourceLsn, lagBytes, id);
    }

    /** The initial copy ended: streaming starts at the slot's consistent point. */
    public void copied(UUID id, long consistentPoint) {
        try (Connection c = connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement position = c.prepareStatement("""
                    INSERT INTO originchain.stream_positions (stream_id, lsn) VALUES (?, ?)
                    ON CONFLICT (stream_id) DO UPDATE SET lsn = EXCLUDED.lsn, applied_at = now()
                    """);
                 PreparedStatement status = c.prepareStatement(
                         "UPDATE originchain.streams SET status = 'streaming', error = NULL, updated_at = now() WHERE stream_id = ?")) {
                position.setObject(1, id);
                position.setLong(2, consistentPoint);
                position.executeUpdate();
                status.setObject(1, id);
                status.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
    }

    /** A new snapshot will be taken: the old position no longer means anything. */
    public void forgetPosition(UUID id) {
        update("DELETE FROM originchain.stream_positions WHERE stream_id = ?", id);
    }

    public void delete(UUID id) {
        update("DELETE FROM originchain.stream_positions WHERE stream_id = ?", id);
        update("DELETE FROM originchain.streams WHERE stream_id = ?", id);
    }

    private void update(String sql, Object... params) {
        try (Connection c = connection(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                if (params[i] instanceof byte[] bytes) {
                    st.setBytes(i + 1, bytes);
                } else {
                    st.setObject(i + 1, params[i]);
                }
            }
            st.executeUpdate();
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
    }
}
