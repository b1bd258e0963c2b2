package ai.originchain.ingest.sync;

import ai.originchain.ingest.sql.SqlLiterals;

import ai.originchain.ingest.sql.SqlNames;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;


import ai.originchain.ingest.sync.KeyOrder.Kind;

/**
 * The key space of a table cut into ranges, and the SQL both PostgreSQL servers (source and target) run
 * to describe each range by its row count and a hash of its rows, so a re-sync reads only the ranges
 * that differ. The bounds are keys (as text), in {@link KeyOrder}: range 0 holds the keys below the
 * first bound, range {@code i} those from bound {@code i} (0-based {@code i-1}) to below the next, the
 * last range every key from the last bound up. Each side computes
 * {@code substr(sha256(string_agg(record_send(ROW(columns)), '' ORDER BY key)), 1, 16)} per range (128 bits; all ranges
 * of a query packed into one row, 16 bytes a range in base64): the binary form of the rows, independent of the session's text settings,
 * exact to a numeric's scale. Equal data may
 * still hash differently (a type whose OID differs between the servers): that range is then merged
 * like any changed one, never skipped.
 */
public final class KeyRanges {

    private KeyRanges() {
    }

    /**
     * Each range's rows and digests, indexed by range: {@code hashes} the rows' content, {@code versions}
     * (target only, else null) the identity of their row versions. A range without rows has 0 and nulls.
     */
    public record Digests(long[] rows, byte[][] hashes, byte[][] versions) {

        public static Digests of(int ranges, boolean withVersions) {
            return new Digests(new long[ranges], new byte[ranges][], withVersions ? new byte[ranges][] : null);
        }

        public boolean sameAs(Digests other, int range) {
            return rows[range] == other.rows[range] && java.util.Arrays.equals(hashes[range], other.hashes[range]);
        }

        public int ranges() {
            return rows.length;
        }
    }

    /**
     * What a range is described by besides its row count: its rows' content, the identity of its row
     * versions (the target's {@code (ctid, xmin)} pairs, which every write to a row changes), or both.
     */
    public enum Measure {
        CONTENT, VERSIONS, BOTH;

        List<String> aggregates(List<String> columns, KeyOrder order) {
            // SHA-256 rather than md5: a server hashes it faster where its CPU has SHA instructions (measured: 12% of the query).
            String content = "pg_catalog.substr(pg_catalog.sha256(pg_catalog.string_agg(pg_catalog.record_send(ROW("
                    + String.join(", ", columns) + ")), ''::bytea ORDER BY " + order.orderBy() + ")), 1, " + CONTENT_BYTES + ")";
            // 64 bits are plenty to tell moved versions from kept ones (a collision costs at worst one periodic check's delay).
            String versions = "pg_catalog.substr(pg_catalog.sha256(pg_catalog.string_agg(pg_catalog.tidsend(ctid) OPERATOR(pg_catalog.||) "
                    + "pg_catalog.xidsend(xmin), ''::bytea ORDER BY " + order.orderBy() + ")), 1, " + VERSIONS_BYTES + ")";
            return switch (this) {
                case CONTENT -> List.of(content);
                case VERSIONS -> List.of(versions);
                case BOTH -> List.of(content, versions);
            };
        }
    }

    /**
     * Every {@code ?}-th key of {@code table} in key order, each key column as text:
     * {@code SELECT … FROM (SELECT key, row_number() OVER (ORDER BY key) FROM t) s WHERE p % ? = 0}.
     */
    public static String boundsSql(String table, KeyOrder order, String where) {
        List<String> names = order.names();
        StringBuilder outer = new StringBuilder("SELECT ");
        StringBuilder aliases = new StringBuilder();
        for (int k = 0; k < names.size(); k++) {
            outer.append(k > 0 ? ", " : "").append("CAST(s.c").append(k).append(" AS text)");
            aliases.append("c").append(k).append(", ");
        }
        return outer + " FROM (SELECT " + names.stream().map(SqlNames::quote).collect(Collectors.joining(", "))
                + ", pg_catalog.row_number() OVER (ORDER BY " + order.orderBy() + ") FROM " + table
                + (where == null ? "" : " WHERE " + where) + ") AS s("
                + aliases + "p) WHERE s.p % ? = 0 ORDER BY s.p";
    }

    /**
     * Reads the bounds with {@link #boundsSql}: {@code [key column][bound]}, at most {@code maxBounds} of
     * them: when the table holds more, every second bound is dropped (as often as needed, while they are
     * read), so the ranges hold {@code every} × 2<sup>j</sup> rows and the memory stays bounded.
     */
    public static String[][] bounds(Connection connection, String table, KeyOrder order, int every, int maxBounds)
            throws SQLException {
        return bounds(connection, table, order, null, every, maxBounds);
    }

    /** {@link #bounds} of the keys that pass {@code where}. */
    public static String[][] bounds(Connection connection, String table, KeyOrder order, String where, int every,
                                    int maxBounds) throws SQLException {
        List<String[]> keys = new ArrayList<>();
        long keepEvery = 1;
        long read = 0;
        try (PreparedStatement st = connection.prepareStatement(boundsSql(table, order, where))) {
            st.setFetchSize(10_000);
            st.setLong(1, every);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (read++ % keepEvery != 0) {
                        continue;
                    }
                    String[] key = new String[order.names().size()];
                    for (int k = 0; k < key.length; k++) {
                        key[k] = rs.getString(k + 1);
                    }
                    keys.add(key);
                    if (keys.size() > Math.max(1, maxBounds)) {
                        keys = everySecond(keys);
                        keepEvery *= 2;
                    }
                }
            }
        }
        String[][] byColumn = new String[order.names().size()][keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            for (int k = 0; k < byColumn.length; k++) {
                byColumn[k][i] = keys.get(i)[k];
            }
        }
        return byColumn;
    }

    /** The bounds at even positions: those a step twice as long keeps. */
    private static List<String[]> everySecond(List<String[]> keys) {
        List<String[]> kept = new ArrayList<>(keys.size() / 2 + 1);
        for (int i = 0; i < keys.size(); i += 2) {
            kept.add(keys.get(i));
        }
        return kept;
    }

    /**
     * One row per range that has rows: {@code (range, count, aggregates…)}, by one grouped scan. The
     * bounds are bound as one {@code text[]} per key column; a composite key compares as a {@code ROW}
     * against an array of rows.
     */
    static String groupedSql(List<String> aggregates, String table, KeyOrder order, String where) {
        return packed("SELECT " + bucket(order) + ", pg_catalog.count(*), " + String.join(", ", aggregates) + " FROM " + table
                + (where == null ? "" : " WHERE " + where) + " GROUP BY 1", aggregates.size());
    }

    /**
     * The per-range rows {@code (range, count, digest…)} of {@code perRange} packed into one row, so
     * a range costs its bytes, not a protocol row's: the ranges and the counts comma-separated, each
     * digest column's bytes in range order as one base64 text (16 bytes a content digest, 8 a versions one).
     */
    private static String packed(String perRange, int digests) {
        StringBuilder sql = new StringBuilder("SELECT pg_catalog.string_agg(CAST(u.i AS text), ',' ORDER BY u.i), "
                + "pg_catalog.string_agg(CAST(u.n AS text), ',' ORDER BY u.i)");
        List<String> aliases = new ArrayList<>(List.of("i", "n"));
        for (int a = 0; a < digests; a++) {
            sql.append(", pg_catalog.encode(pg_catalog.string_agg(u.a").append(a).append(", ''::bytea ORDER BY u.i), 'base64')");
            aliases.add("a" + a);
        }
        return sql + " FROM (" + perRange + ") AS u(" + String.join(", ", aliases) + ")";
    }

    private static String bucket(KeyOrder order) {
        List<String> parameters = new ArrayList<>();
        for (int k = 0; k < order.names().size(); k++) {
            parameters.add("CAST(? AS text[])");
        }
        return bucket(order, parameters);
    }

    /** {@code width_bucket} of the key in the bounds, one {@code text[]} expression per key column. */
    private static String bucket(KeyOrder order, List<String> arrays) {
        List<String> names = order.names();
        if (names.size() == 1) {
            return "pg_catalog.width_bucket(" + typed(order, 0, SqlNames.quote(names.get(0))) + ", CAST(" + arrays.get(0)
                    + " AS " + type(order.kind(0)) + "[]))";
        }
        List<String> keys = new ArrayList<>();
        List<String> elements = new ArrayList<>();
        List<String> aliases = new ArrayList<>();
        for (int k = 0; k < names.size(); k++) {
            keys.add(typed(order, k, SqlNames.quote(names.get(k))));
            elements.add(typed(order, k, "u.c" + k));
            aliases.add("c" + k);
        }
        return "pg_catalog.width_bucket(ROW(" + String.join(", ", keys) + "), ARRAY(SELECT ROW(" + String.join(", ", elements)
                + ") FROM unnest(" + String.join(", ", arrays) + ") WITH ORDINALITY AS u(" + String.join(", ", aliases)
                + ", n) ORDER BY u.n))";
    }

    /** The key column cast to its kind's one type (so both servers and both sides compare alike), text in "C" order. */
    private static String typed(KeyOrder order, int k, String expression) {
        Kind kind = order.kind(k);
        return "CAST(" + expression + " AS " + type(kind) + ")" + (kind == Kind.TEXT ? " COLLATE \"C\"" : "");
    }

    private static String type(Kind kind) {
        return switch (kind) {
            case INTEGER -> "int8";
            case TEXT -> "text";
            case UUID -> "uuid";
            case NUMERIC -> "numeric";
        };
    }

    /**
     * Whether each range can be measured by a scan of its own over the key's index ({@link #rangeScanSql}):
     * a key of one integer, uuid or numeric column (no collation stands between the comparison and the
     * index), with {@code indexed} saying that side has a btree index on it (the target always has).
     */
    public static boolean rangeScans(KeyOrder order, boolean indexed) {
        return indexed && order.names().size() == 1 && order.kind(0) != Kind.TEXT;
    }

    /**
     * The same answer as {@link #groupedSql} for chosen ranges, each read by an index range scan already in
     * key order, so nothing is sorted or spilled: {@code unnest(lower[], upper[], range[]) CROSS JOIN
     * LATERAL (… WHERE key >= lower AND key < upper)} for the inner ranges, one query each for the two
     * open ends, switched on by a boolean parameter. Parameters: the inner ranges' lower and upper bounds
     * ({@code text[]}) and numbers ({@code int4[]}), then (on, first bound) for range 0 and (on, its
     * number, last bound) for the last. The digests do not depend on the plan: the same rows in the same
     * order give the same digest, whichever query each side runs.
     */
    static String rangeScanSql(List<String> aggregates, String table, KeyOrder order, String where) {
        String key = SqlNames.quote(order.names().get(0));
        String type = type(order.kind(0));
        String measured = "pg_catalog.count(*), " + String.join(", ", aggregates) + " FROM " + table;
        List<String> aliases = new ArrayList<>(List.of("n"));
        for (int a = 0; a < aggregates.size(); a++) {
            aliases.add("a" + a);
        }
        String also = where == null ? "" : " AND (" + where + ")";
        return packed("SELECT r.i, s.* FROM unnest(CAST(CAST(? AS text[]) AS " + type + "[]), CAST(CAST(? AS text[]) AS " + type
                + "[]), CAST(? AS int4[])) AS r(lower_bound, upper_bound, i) CROSS JOIN LATERAL (SELECT " + measured
                + " WHERE " + key + " >= r.lower_bound AND " + key + " < r.upper_bound" + also + ") AS s("
                + String.join(", ", aliases) + ") WHERE s.n > 0"
                + " UNION ALL SELECT 0, " + measured + " WHERE CAST(? AS bool) AND " + key + " < CAST(? AS " + type + ")" + also
                + " HAVING pg_catalog.count(*) > 0"
                + " UNION ALL SELECT CAST(? AS int4), " + measured + " WHERE CAST(? AS bool) AND " + key + " >= CAST(? AS " + type
                + ")" + also + " HAVING pg_catalog.count(*) > 0", aggregates.size());
    }

    /** Every range of a table cut by {@code bounds}: {@code 0 … bounds}. */
    public static int[] all(String[][] bounds) {
        int[] ranges = new int[bounds[0].length + 1];
        for (int i = 0; i < ranges.length; i++) {
            ranges[i] = i;
        }
        return ranges;
    }

    /**
     * Measures the {@code ranges} (ascending) of {@code table}'s rows that pass {@code where} into
     * {@code into}: by range scans where {@link #rangeScans} allows, else by one grouped scan limited to
     * those ranges. {@code columns} are the content's columns as SQL expressions (quoted names, or casts).
     */
    public static void measure(Connection connection, Measure measure, List<String> columns, String table, KeyOrder order,
                               String where, String[][] bounds, int[] ranges, boolean indexed, Digests into) throws SQLException {
        for (int range : ranges) {
            into.rows()[range] = 0;
            if (measure != Measure.VERSIONS) {
                into.hashes()[range] = null;
            }
            if (measure != Measure.CONTENT) {
                into.versions()[range] = null;
            }
        }
        if (ranges.length == 0) {
            return;
        }
        List<String> aggregates = measure.aggregates(columns, order);
        if (rangeScans(order, indexed)) {
            measureByRangeScans(connection, rangeScanSql(aggregates, table, order, where), bounds, ranges, measure, into);
            return;
        }
        String limited = where;
        if (ranges.length < bounds[0].length + 1) {
            boolean[] chosen = new boolean[bounds[0].length + 1];
            for (int range : ranges) {
                chosen[range] = true;
            }
            String condition = condition(order, bounds, runs(chosen, MAX_CONDITION_RUNS));
            limited = where == null ? condition : "(" + where + ") AND " + condition;
        }
        try (PreparedStatement st = connection.prepareStatement(groupedSql(aggregates, table, order, limited))) {
            for (int k = 0; k < bounds.length; k++) {
                Array array = connection.createArrayOf("text", bounds[k]);
                st.setArray(k + 1, array);
            }
            read(st, measure, into);
        }
    }

    /**
     * A condition selects at most this many runs of ranges (more are joined across their narrowest gaps,
     * which are then read through), so it stays a few hundred KB: the merge's read, and a grouped scan
     * of chosen ranges.
     */
    public static final int MAX_CONDITION_RUNS = 10_000;

    private static void measureByRangeScans(Connection connection, String sql, String[][] bounds, int[] ranges,
                                            Measure measure, Digests into) throws SQLException {
        String[] keys = bounds[0];
        int last = keys.length;
        List<String> lower = new ArrayList<>();
        List<String> upper = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        boolean first = false;
        boolean open = false;
        for (int range : ranges) {
            if (range == 0) {
                first = true;
            } else if (range == last) {
                open = true;
            } else {
                lower.add(keys[range - 1]);
                upper.add(keys[range]);
                numbers.add(range);
            }
        }
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            st.setArray(1, connection.createArrayOf("text", lower.toArray()));
            st.setArray(2, connection.createArrayOf("text", upper.toArray()));
            st.setArray(3, connection.createArrayOf("int4", numbers.toArray()));
            st.setBoolean(4, first);
            st.setString(5, keys[0]);
            st.setInt(6, last);
            st.setBoolean(7, open);
            st.setString(8, keys[last - 1]);
            read(st, measure, into);
        }
    }

    private static void read(PreparedStatement st, Measure measure, Digests into) throws SQLException {
        try (ResultSet rs = st.executeQuery()) {
            if (!rs.next() || rs.getString(1) == null) {
                return; // no range has rows
            }
            String[] ranges = rs.getString(1).split(",");
            String[] counts = rs.getString(2).split(",");
            java.util.Base64.Decoder base64 = java.util.Base64.getMimeDecoder();
            byte[] contents = measure != Measure.VERSIONS ? base64.decode(rs.getString(3)) : null;
            byte[] versions = measure == Measure.VERSIONS ? base64.decode(rs.getString(3))
                    : measure == Measure.BOTH ? base64.decode(rs.getString(4)) : null;
            for (int r = 0; r < ranges.length; r++) {
                int range = Integer.parseInt(ranges[r]);
                into.rows()[range] = Long.parseLong(counts[r]);
                if (contents != null) {
                    into.hashes()[range] = java.util.Arrays.copyOfRange(contents, r * CONTENT_BYTES, (r + 1) * CONTENT_BYTES);
                }
                if (versions != null) {
                    into.versions()[range] = java.util.Arrays.copyOfRange(versions, r * VERSIONS_BYTES, (r + 1) * VERSIONS_BYTES);
                }
            }
        }
    }

    /** Bytes of a range's content digest and of its versions digest (the first bytes of a SHA-256). */
    public static final int CONTENT_BYTES = 16;
    public static final int VERSIONS_BYTES = 8;

    /**
     * Adjacent differing ranges joined into runs {@code [first, last]}; when more than {@code maxRuns},
     * the runs separated by the fewest equal ranges are joined too (those equal ranges are then read again).
     */
    public static List<int[]> runs(boolean[] differs, int maxRuns) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < differs.length; i++) {
            if (!differs[i]) {
                continue;
            }
            if (!runs.isEmpty() && runs.get(runs.size() - 1)[1] == i - 1) {
                runs.get(runs.size() - 1)[1] = i;
            } else {
                runs.add(new int[] {i, i});
            }
        }
        if (runs.size() <= maxRuns) {
            return runs;
        }
        // The maxRuns - 1 widest gaps stay gaps; the others are read through.
        List<Integer> byWidth = new ArrayList<>();
        for (int i = 1; i < runs.size(); i++) {
            byWidth.add(i);
        }
        byWidth.sort((x, y) -> Integer.compare(runs.get(y)[0] - runs.get(y - 1)[1], runs.get(x)[0] - runs.get(x - 1)[1]));
        java.util.Set<Integer> separators = new java.util.HashSet<>(byWidth.subList(0, maxRuns - 1));
        List<int[]> joined = new ArrayList<>();
        joined.add(runs.get(0).clone());
        for (int i = 1; i < runs.size(); i++) {
            if (separators.contains(i)) {
                joined.add(runs.get(i).clone());
            } else {
                joined.get(joined.size() - 1)[1] = runs.get(i)[1];
            }
        }
        return joined;
    }

    /** The condition of no run at all: no range differs, so nothing is read. */
    public static final String NO_ROWS = "FALSE";

    /** Up to this many runs are selected by ORed key comparisons (which can use the key's index), more by one search each. */
    static final int OR_RUNS = 32;

    /**
     * The SQL condition that selects the rows of the runs, with the bounds as escaped string literals the
     * server reads as the key's type (COPY takes no parameters). A few runs: per run
     * {@code key >= lower AND key < upper} (open below for range 0, above for the last), ORed. More:
     * the runs' bounds in one sorted array, and a row is in a run when {@code width_bucket} (a binary
     * search) counts an odd number of bounds at or below its key — one search per row, however many runs.
     */
    public static String condition(KeyOrder order, String[][] bounds, List<int[]> runs) {
        if (runs.isEmpty()) {
            return NO_ROWS;
        }
        if (runs.size() > OR_RUNS) {
            return searchCondition(order, bounds, runs);
        }
        int last = bounds[0].length;
        String key = keyTuple(order);
        List<String> parts = new ArrayList<>();
        for (int[] run : runs) {
            List<String> part = new ArrayList<>();
            if (run[0] > 0) {
                part.add(key + " >= " + literalTuple(bounds, run[0] - 1));
            }
            if (run[1] < last) {
                part.add(key + " < " + literalTuple(bounds, run[1]));
            }
            parts.add(part.isEmpty() ? "TRUE" : "(" + String.join(" AND ", part) + ")");
        }
        return "(" + String.join(" OR ", parts) + ")";
    }

    /**
     * Cuts a merge of the {@code merged} ranges into at most {@code parts} key-range parts with about as
     * many merged ranges each, at least {@code minRanges} a part ({@link #partRuns}): their conditions on
     * the key, in key order, together every key once (each part is limited to the merge's own condition
     * as well); null when the merge is too small for two parts.
     */
    public static List<String> parts(KeyOrder order, String[][] bounds, boolean[] merged, int parts, int minRanges) {
        List<int[]> runs = partRuns(merged, parts, minRanges);
        return runs == null ? null : runs.stream().map(run -> condition(order, bounds, List.of(run))).toList();
    }

    /**
     * The parts of {@link #parts} as runs of consecutive ranges {@code {first, last}}: the first from
     * range 0, each next from where the one before ended, the last to the last range.
     */
    static List<int[]> partRuns(boolean[] merged, int parts, int minRanges) {
        int count = 0;
        for (boolean m : merged) {
            if (m) {
                count++;
            }
        }
        int n = Math.min(parts, count / Math.max(1, minRanges));
        if (n < 2) {
            return null;
        }
        List<int[]> runs = new ArrayList<>();
        int start = 0;
        int seen = 0;
        for (int i = 0, part = 1; i < merged.length && part < n; i++) {
            if (merged[i] && ++seen >= (long) count * part / n) {
                runs.add(new int[] {start, i});
                start = i + 1;
                part++;
            }
        }
        runs.add(new int[] {start, merged.length - 1});
        return runs;
    }

    private static String searchCondition(KeyOrder order, String[][] bounds, List<int[]> runs) {
        int last = bounds[0].length;
        List<Integer> edges = new ArrayList<>();
        boolean openBelow = runs.get(0)[0] == 0;
        for (int[] run : runs) {
            if (run[0] > 0) {
                edges.add(run[0] - 1);
            }
            if (run[1] < last) {
                edges.add(run[1]);
            }
        }
        String[][] literals = new String[bounds.length][edges.size()];
        for (int k = 0; k < bounds.length; k++) {
            for (int e = 0; e < edges.size(); e++) {
                literals[k][e] = literal(bounds[k][edges.get(e)]);
            }
        }
        List<String> arrays = new ArrayList<>();
        for (String[] column : literals) {
            arrays.add("CAST(ARRAY[" + String.join(", ", column) + "] AS text[])");
        }
        if (edges.isEmpty()) {
            return "TRUE";
        }
        return "(" + bucket(order, arrays) + " % 2 = " + (openBelow ? 0 : 1) + ")";
    }

    private static String keyTuple(KeyOrder order) {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < order.names().size(); k++) {
            keys.add(SqlNames.quote(order.names().get(k)) + (order.kind(k) == Kind.TEXT ? " COLLATE \"C\"" : ""));
        }
        return keys.size() == 1 ? keys.get(0) : "(" + String.join(", ", keys) + ")";
    }

    private static String literalTuple(String[][] bounds, int index) {
        List<String> literals = new ArrayList<>();
        for (String[] column : bounds) {
            literals.add(literal(column[index]));
        }
        return literals.size() == 1 ? literals.get(0) : "(" + String.join(", ", literals) + ")";
    }

    private static String literal(String value) {
        return SqlLiterals.quote(value);
    }
}
