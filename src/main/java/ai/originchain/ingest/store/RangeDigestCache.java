package ai.originchain.ingest.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sync.KeyRanges;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.typemap.TargetColumn;

/**
 * The target's range digests, kept from one re-sync to the next in {@code originchain.range_digests}.
 * The target's rows are written by the service, and every write to a row gives it a new version: a new
 * {@code ctid} and a new {@code xmin}. So a range whose row versions (their {@code (ctid, xmin)} pairs,
 * in key order) are those of the kept entry holds the content the entry's digest describes, and a
 * re-sync hashes the content of only the target ranges whose versions moved: a quarter of the CPU of
 * hashing every row. The source is hashed in full every time; nothing is kept of it.
 * <p>
 * Only an optimisation: an entry that does not hold (other versions, other rows) is hashed again, so
 * a wrong entry can cost a hash but never hide a change of the source. One range in
 * {@link #ROTATION} is hashed again every re-sync whatever its entry says, which bounds for how long a
 * change a version fingerprint missed (a row version reused after 2^32 transactions) could stay hidden.
 */
@Component("rangeDigestCache")
public class RangeDigestCache {

    private static final Logger log = LoggerFactory.getLogger(RangeDigestCache.class);
    /** Every re-sync hashes again the ranges {@code i} with {@code i % ROTATION == generation % ROTATION}. */
    static final int ROTATION = 32;
    /** A range grown beyond this many times {@code range-rows} is cut again where its keys now are. */
    static final int RECUT_FACTOR = 2;

    private static final String LOAD = """
            SELECT signature, generation, bounds, range_rows, pg_catalog.encode(versions, 'base64'),
                   pg_catalog.encode(contents, 'base64') FROM originchain.range_digests
             WHERE tenant = ? AND table_name = ? AND signature = ?""";
    private static final String SAVE = """
            INSERT INTO originchain.range_digests
                   (tenant, table_name, signature, generation, bounds, range_rows, versions, contents, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())
            ON CONFLICT (tenant, table_name) DO UPDATE SET signature = EXCLUDED.signature,
                   generation = EXCLUDED.generation, bounds = EXCLUDED.bounds, range_rows = EXCLUDED.range_rows,
                   versions = EXCLUDED.versions, contents = EXCLUDED.contents, updated_at = EXCLUDED.updated_at""";

    private final DataSource target;
    private final TargetConnections connections;
    private final int rangeRows;
    private final int maxRanges;

    public RangeDigestCache(DataSource target, TargetConnections connections, IngestProperties properties) {
        this.target = target;
        this.connections = connections;
        this.rangeRows = properties.getSync().getRangeRows();
        this.maxRanges = properties.getSync().getMaxRanges();
    }

    /** What a kept entry's meaning depends on: the table itself (its oid), its columns and types, the key, the scope. */
    public String signature(Connection connection, TargetPlan plan, KeyOrder order, String targetScope) throws SQLException {
        long oid;
        try (PreparedStatement st = connection.prepareStatement("""
                SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ? AND c.relname = ?""")) {
            st.setString(1, plan.tenant());
            st.setString(2, plan.table());
            try (ResultSet rs = st.executeQuery()) {
                oid = rs.next() ? rs.getLong(1) : 0;
            }
        }
        StringBuilder what = new StringBuilder("range-digests/2|").append(oid).append('|');
        for (TargetColumn column : plan.columns()) {
            what.append(column.name()).append(' ').append(column.type()).append(',');
        }
        what.append('|');
        for (int k = 0; k < order.names().size(); k++) {
            what.append(order.names().get(k)).append(' ').append(order.kind(k)).append(',');
        }
        what.append('|').append(targetScope);
        return md5(what.toString());
    }

    /** The entry kept for this table under {@code signature}, or null (none, or kept for another table shape). */
    public KeptRanges load(Connection connection, TargetPlan plan, String signature, int keyColumns) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(LOAD)) {
            st.setString(1, plan.tenant());
            st.setString(2, plan.table());
            st.setString(3, signature);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long generation = rs.getLong(2);
                String[] flat = (String[]) rs.getArray(3).getArray();
                Long[] rows = (Long[]) rs.getArray(4).getArray();
                java.util.Base64.Decoder base64 = java.util.Base64.getMimeDecoder();
                byte[] versions = base64.decode(rs.getString(5));
                byte[] contents = base64.decode(rs.getString(6));
                int ranges = flat.length / keyColumns + 1;
                if (flat.length == 0 || flat.length % keyColumns != 0 || rows.length != ranges
                        || versions.length != ranges * KeyRanges.VERSIONS_BYTES || contents.length != ranges * KeyRanges.CONTENT_BYTES) {
                    return null;
                }
                String[][] bounds = new String[keyColumns][ranges - 1];
                for (int i = 0; i < ranges - 1; i++) {
                    for (int k = 0; k < keyColumns; k++) {
                        bounds[k][i] = flat[i * keyColumns + k];
                    }
                }
                KeyRanges.Digests digests = KeyRanges.Digests.of(ranges, true);
                for (int i = 0; i < ranges; i++) {
                    digests.rows()[i] = rows[i] == null ? -1 : rows[i];
                    if (digests.rows()[i] > 0) {
                        digests.versions()[i] = java.util.Arrays.copyOfRange(versions, i * KeyRanges.VERSIONS_BYTES,
                                (i + 1) * KeyRanges.VERSIONS_BYTES);
                        digests.hashes()[i] = java.util.Arrays.copyOfRange(contents, i * KeyRanges.CONTENT_BYTES,
                                (i + 1) * KeyRanges.CONTENT_BYTES);
                    }
                }
                return new KeptRanges(signature, generation, bounds, digests, null, false);
            }
        }
    }

    /**
     * The route's step after the writes: keeps the target's digests the comparison measured (the ranges
     * the merge wrote have new versions, so the next re-sync hashes them again), with ranges that grew
     * beyond {@link #RECUT_FACTOR} × their usual size cut again at the target's keys. Cut beyond
     * {@code max-ranges}, the entry is dropped instead: the next re-sync cuts the whole table anew. A
     * failure is logged: the sync stands, and the next one hashes more.
     */
    public void keep(MappingJob job) {
        KeptRanges kept = job.modes().keptRanges();
        if (kept == null) {
            return;
        }
        TargetPlan plan = job.targetPlan();
        try (Connection connection = connections.work(job.run())) {
            connection.setAutoCommit(false);
            KeptRanges recut = recut(connection, job, kept);
            if (recut == null) {
                drop(connection, plan);
            } else if (recut == kept && !kept.entriesChanged()) {
                nextGeneration(connection, plan, kept);
            } else {
                save(connection, plan, recut);
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            log.warn("sync {} {}: keeping the target's range digests failed, the next re-sync hashes them again: {}",
                    job.run().id(), job, e instanceof SQLException sql ? TargetErrors.summary(sql) : e.toString());
        }
    }

    private KeptRanges recut(Connection connection, MappingJob job, KeptRanges kept) throws SQLException {
        String[][] bounds = kept.bounds();
        KeyRanges.Digests digests = kept.target();
        int ranges = digests.ranges();
        KeyOrder order = job.keyOrder();
        String table = SqlNames.qualified(job.targetPlan().tenant(), job.targetPlan().table());
        int keys = bounds.length;
        List<String[]> newBounds = new ArrayList<>();
        List<Long> rows = new ArrayList<>();
        List<byte[]> versions = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        long[] sizes = new long[ranges];
        long total = 0;
        for (int i = 0; i < ranges; i++) {
            sizes[i] = Math.max(digests.rows()[i], kept.sourceRows() == null ? 0 : kept.sourceRows()[i]);
            total += Math.max(0, sizes[i]);
        }
        // The rows a range of a fresh cut holds: range-rows, doubled while that makes more than max-ranges.
        long usual = rangeRows;
        while (total / usual > maxRanges) {
            usual *= 2;
        }
        for (int i = 0; i < ranges; i++) {
            String[][] inside = sizes[i] > RECUT_FACTOR * usual
                    ? KeyRanges.bounds(connection, table, order, KeyRanges.condition(order, bounds, List.of(new int[] {i, i})),
                    (int) Math.min(Integer.MAX_VALUE, usual), maxRanges)
                    : new String[keys][0];
            if (i > 0) {
                newBounds.add(column(bounds, i - 1));
            }
            if (inside[0].length == 0) {
                rows.add(digests.rows()[i]);
                versions.add(digests.versions()[i]);
                contents.add(digests.hashes()[i]);
                continue;
            }
            // The range becomes inside[0].length + 1 ranges, none of them known yet.
            for (int j = 0; j <= inside[0].length; j++) {
                if (j > 0) {
                    newBounds.add(column(inside, j - 1));
                }
                rows.add(-1L);
                versions.add(null);
                contents.add(null);
            }
        }
        if (rows.size() == ranges) {
            return kept;
        }
        if (rows.size() > maxRanges + 1) {
            return null;
        }
        String[][] cut = new String[keys][newBounds.size()];
        for (int i = 0; i < newBounds.size(); i++) {
            for (int k = 0; k < keys; k++) {
                cut[k][i] = newBounds.get(i)[k];
            }
        }
        KeyRanges.Digests recut = KeyRanges.Digests.of(rows.size(), true);
        for (int i = 0; i < rows.size(); i++) {
            recut.rows()[i] = rows.get(i);
            recut.versions()[i] = versions.get(i);
            recut.hashes()[i] = contents.get(i);
        }
        return new KeptRanges(kept.signature(), kept.generation(), cut, recut, null, true);
    }

    private static String[] column(String[][] bounds, int index) {
        String[] key = new String[bounds.length];
        for (int k = 0; k < bounds.length; k++) {
            key[k] = bounds[k][index];
        }
        return key;
    }

    private static void save(Connection connection, TargetPlan plan, KeptRanges kept) throws SQLException {
        String[][] bounds = kept.bounds();
        int keys = bounds.length;
        String[] flat = new String[keys * bounds[0].length];
        for (int i = 0; i < bounds[0].length; i++) {
            for (int k = 0; k < keys; k++) {
                flat[i * keys + k] = bounds[k][i];
            }
        }
        KeyRanges.Digests digests = kept.target();
        int ranges = digests.ranges();
        Long[] rows = new Long[ranges];
        byte[] versions = new byte[ranges * KeyRanges.VERSIONS_BYTES];
        byte[] contents = new byte[ranges * KeyRanges.CONTENT_BYTES];
        for (int i = 0; i < ranges; i++) {
            boolean known = digests.rows()[i] >= 0 && (digests.rows()[i] == 0
                    || digests.versions()[i] != null && digests.hashes()[i] != null);
            rows[i] = known ? digests.rows()[i] : -1;
            if (known && digests.rows()[i] > 0) {
                System.arraycopy(digests.versions()[i], 0, versions, i * KeyRanges.VERSIONS_BYTES, KeyRanges.VERSIONS_BYTES);
                System.arraycopy(digests.hashes()[i], 0, contents, i * KeyRanges.CONTENT_BYTES, KeyRanges.CONTENT_BYTES);
            }
        }
        try (PreparedStatement st = connection.prepareStatement(SAVE)) {
            st.setString(1, plan.tenant());
            st.setString(2, plan.table());
            st.setString(3, kept.signature());
            st.setLong(4, kept.generation() + 1);
            st.setArray(5, array(connection, "text", flat));
            st.setArray(6, array(connection, "int8", rows));
            st.setBytes(7, versions);
            st.setBytes(8, contents);
            st.executeUpdate();
        }
    }

    /**
     * Replaces the table's entry by digests just measured in full (every range known), keeping the
     * generation moving so the periodic checks go on rotating.
     */
    void replace(Connection connection, TargetPlan plan, String signature, String[][] bounds, KeyRanges.Digests digests)
            throws SQLException {
        long generation = -1;
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT generation FROM originchain.range_digests WHERE tenant = ? AND table_name = ?")) {
            st.setString(1, plan.tenant());
            st.setString(2, plan.table());
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    generation = rs.getLong(1);
                }
            }
        }
        save(connection, plan, new KeptRanges(signature, generation, bounds, digests, null, true));
    }

    private static void drop(Connection connection, TargetPlan plan) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "DELETE FROM originchain.range_digests WHERE tenant = ? AND table_name = ?")) {
            st.setString(1, plan.tenant());
            st.setString(2, plan.table());
            st.executeUpdate();
        }
    }

    /** Nothing but the generation moved on: the arrays (stored out of line) are left as they are. */
    private static void nextGeneration(Connection connection, TargetPlan plan, KeptRanges kept) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "UPDATE originchain.range_digests SET generation = ?, updated_at = now() WHERE tenant = ? AND table_name = ?")) {
            st.setLong(1, kept.generation() + 1);
            st.setString(2, plan.tenant());
            st.setString(3, plan.table());
            st.executeUpdate();
        }
    }

    private static Array array(Connection connection, String type, Object[] values) throws SQLException {
        return connection.createArrayOf(type, values);
    }

    private static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
