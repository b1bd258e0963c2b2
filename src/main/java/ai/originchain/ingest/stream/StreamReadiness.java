package ai.originchain.ingest.stream;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.postgres.SourceCatalog;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.sync.SyncManifest;

/**
 * Whether a source can feed a stream, checked before anything is created, each refusal a 422 naming
 * the field and the SQL that fixes it: the REPLICATION attribute, {@code wal_level = logical}, the
 * tables and columns, a replica identity that carries each mapping's key, and the publication.
 * Also creates and drops what the service owns at the source: its publication and the slot.
 */
@Component
public class StreamReadiness {

    private static final String ROLE = """
            SELECT r.rolreplication OR r.rolsuper, current_user FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
            """;
    private static final String TABLE = """
            SELECT c.oid, c.relkind, c.relreplident, pg_catalog.pg_has_role(c.relowner, 'USAGE'),
                   (SELECT array_agg(a.attname::text ORDER BY a.attname)
                      FROM pg_catalog.pg_index i
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                     WHERE i.indrelid = c.oid
                       AND CASE c.relreplident WHEN 'd' THEN i.indisprimary WHEN 'i' THEN i.indisreplident ELSE false END)
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ? AND c.relname = ?
            """;
    private static final String PUBLICATION = """
            SELECT p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate
              FROM pg_catalog.pg_publication p WHERE p.pubname = ?
            """;
    private static final String PUBLISHED = """
            SELECT 1 FROM pg_catalog.pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename = ?
            """;

    private final SourceCatalog catalog;

    public StreamReadiness(SourceCatalog catalog) {
        this.catalog = catalog;
    }

    /** Throws a 422 listing everything that keeps this source from streaming these mappings. */
    public void check(Connection connection, SyncManifest manifest, String publication, String ownPublication)
            throws SQLException {
        List<FieldError> errors = new ArrayList<>();
        String user = manifest.source().user();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(ROLE)) {
            if (!rs.next() || !rs.getBoolean(1)) {
                errors.add(new FieldError("source.user", "role '" + user + "' lacks the REPLICATION attribute a change "
                        + "stream needs; as a superuser run: ALTER ROLE " + SqlNames.quote(user) + " REPLICATION;"));
            }
        }
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                errors.add(new FieldError("source.database", "wal_level is '" + rs.getString(1) + "'; a change stream "
                        + "needs logical decoding: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL"));
            }
        }
        SourceCatalog.Checked checked = catalog.check(connection, manifest.mappings());
        errors.addAll(checked.errors());
        List<String> notOwned = new ArrayList<>();
        for (MappingSpec mapping : manifest.mappings()) {
            String table = SqlNames.qualified(mapping.sourceSchema(), mapping.sourceTable());
            try (PreparedStatement st = connection.prepareStatement(TABLE)) {
                st.setString(1, mapping.sourceSchema());
                st.setString(2, mapping.sourceTable());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        continue;
                    }
                    char kind = rs.getString(2).charAt(0);
                    if (kind != 'r' && kind != 'p') {
                        errors.add(new FieldError(mapping.field("source_table"), mapping.sourceTableName()
                                + " is not a table; only tables can be streamed (use a sync for views)"));
                        continue;
                    }
                    char identity = rs.getString(3).charAt(0);
                    if (!rs.getBoolean(4)) {
                        notOwned.add(table);
                    }
                    java.sql.Array keyArray = rs.getArray(5);
                    Set<String> identityColumns = keyArray == null ? Set.of()
                            : new HashSet<>(Arrays.asList((String[]) keyArray.getArray()));
                    boolean covered = identity == 'f' || (identity != 'n' && identityColumns.containsAll(mapping.primaryKey()));
                    if (!covered) {
                        String key = mapping.primaryKey().stream().map(SqlNames::quote).collect(Collectors.joining(", "));
                        errors.add(new FieldError(mapping.field("source_table"), mapping.sourceTableName()
                                + " has no replica identity that carries the key " + mapping.primaryKey()
                                + ", so its updates and deletes cannot be streamed; run ALTER TABLE " + table
                                + " ADD PRIMARY KEY (" + key + "); or ALTER TABLE " + table + " REPLICA IDENTITY FULL;"));
                    }
                }
            }
        }
        if (publication != null) {
            checkPublication(connection, manifest, publication, errors);
        } else if (!notOwned.isEmpty()) {
            errors.add(new FieldError("publication", "role '" + user + "' does not own " + String.join(", ", notOwned)
                    + ", so the service cannot create its publication; have the owner run: CREATE PUBLICATION "
                    + SqlNames.quote(ownPublication) + " FOR TABLE " + tableList(manifest)
                    + "; and send \"publication\": \"" + ownPublication + "\""));
        }
        if (!errors.isEmpty()) {
            throw SyncFailure.mismatch(errors);
        }
    }

    private static void checkPublication(Connection connection, SyncManifest manifest, String publication,
                                         List<FieldError> errors) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(PUBLICATION)) {
            st.setString(1, publication);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    errors.add(new FieldError("publication", "the source has no publication '" + publication
                            + "'; run: CREATE PUBLICATION " + SqlNames.quote(publication) + " FOR TABLE "
                            + tableList(manifest) + ";"));
                    return;
                }
                if (!rs.getBoolean(2) || !rs.getBoolean(3) || !rs.getBoolean(4) || !rs.getBoolean(5)) {
                    errors.add(new FieldError("publication", "publication '" + publication + "' does not publish every "
                            + "kind of change; run: ALTER PUBLICATION " + SqlNames.quote(publication)
                            + " SET (publish = 'insert, update, delete, truncate');"));
                }
            }
        }
        List<String> missing = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(PUBLISHED)) {
            for (MappingSpec mapping : manifest.mappings()) {
                st.setString(1, publication);
                st.setString(2, mapping.sourceSchema());
                st.setString(3, mapping.sourceTable());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        missing.add(SqlNames.qualified(mapping.sourceSchema(), mapping.sourceTable()));
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            errors.add(new FieldError("publication", "publication '" + publication + "' does not cover "
                    + String.join(", ", missing) + "; run: ALTER PUBLICATION " + SqlNames.quote(publication)
                    + " ADD TABLE " + String.join(", ", missing) + ";"));
        }
    }

    /**
     * Creates the service's publication over exactly the mapped tables (each checked to carry its key
     * in a replica identity), or sets its table list when it is there from an earlier attempt.
     */
    public void createPublication(Connection connection, SyncManifest manifest, String publication) throws SQLException {
        boolean exists;
        try (PreparedStatement st = connection.prepareStatement(PUBLICATION)) {
            st.setString(1, publication);
            try (ResultSet rs = st.executeQuery()) {
                exists = rs.next();
            }
        }
        try (Statement st = connection.createStatement()) {
            st.execute((exists ? "ALTER PUBLICATION " + SqlNames.quote(publication) + " SET TABLE "
                    : "CREATE PUBLICATION " + SqlNames.quote(publication) + " FOR TABLE ") + tableList(manifest));
        }
        connection.commit();
    }

    public void dropPublication(Connection connection, String publication) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("DROP PUBLICATION IF EXISTS " + SqlNames.quote(publication));
        }
        connection.commit();
    }

    /** Drops the slot, ending the session that holds it first (a runner on any instance); true once it is gone. */
    public boolean dropSlot(Connection connection, String slot) throws SQLException {
        for (int attempt = 0; attempt < 50; attempt++) {
            Integer activePid = null;
            boolean exists;
            try (PreparedStatement st = connection.prepareStatement(
                    "SELECT active_pid FROM pg_catalog.pg_replication_slots WHERE slot_name = ?")) {
                st.setString(1, slot);
                try (ResultSet rs = st.executeQuery()) {
                    exists = rs.next();
                    if (exists) {
                        activePid = (Integer) rs.getObject(1);
                    }
                }
            }
            connection.commit();
            if (!exists) {
                return true;
            }
            try (PreparedStatement st = connection.prepareStatement(activePid == null
                    ? "SELECT pg_catalog.pg_drop_replication_slot(?)"
                    : "SELECT pg_catalog.pg_terminate_backend(?)")) {
                if (activePid == null) {
                    st.setString(1, slot);
                } else {
                    st.setInt(1, activePid);
                }
                st.execute();
                connection.commit();
            } catch (SQLException e) {
                // 55006: the slot became active again meanwhile; try once more.
                connection.rollback();
                if (!"55006".equals(e.getSQLState()) && !"42704".equals(e.getSQLState())) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    static String tableList(SyncManifest manifest) {
        return manifest.mappings().stream().map(m -> SqlNames.qualified(m.sourceSchema(), m.sourceTable()))
                .distinct().collect(Collectors.joining(", "));
    }

    static SyncFailure sourceFailed(SyncManifest manifest, String what, SQLException e) {
        return SyncFailure.sourceFailed(what + ": " + SourceErrors.reason(manifest.source(), e));
    }
}
