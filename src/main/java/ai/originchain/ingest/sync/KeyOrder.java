package ai.originchain.ingest.sync;

import ai.originchain.ingest.sql.SqlNames;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.store.TargetPlan;
import ai.originchain.ingest.typemap.SourceType;
import ai.originchain.ingest.typemap.TargetColumn;

/**
 * The primary key's order, written twice: as the {@code ORDER BY} that both the source and the target
 * reads use, and as a comparison of two COPY text rows by their key fields that gives exactly the
 * same order. It exists only for keys whose every column is of a type whose text order it can
 * reproduce, on both sides: integers (compared as numbers), {@code text}/{@code varchar} sorted
 * {@code COLLATE "C"} (compared as unescaped UTF-8 bytes), {@code uuid} (compared as its lowercase text),
 * {@code numeric} (compared as decimals; {@code -Infinity} first, then the numbers, {@code Infinity}, {@code NaN} last,
 * as PostgreSQL orders them). NULL sorts last, as {@code ORDER BY … ASC} puts it.
 */
public final class KeyOrder {

    public enum Kind { INTEGER, TEXT, UUID, NUMERIC }

    private static final byte[] NULL = {'\\', 'N'};

    private final int[] positions;
    private final Kind[] kinds;
    private final List<String> names;
    private final String orderBy;
    private final int lastPosition;

    private KeyOrder(int[] positions, Kind[] kinds, List<String> names, String orderBy) {
        this.positions = positions;
        this.kinds = kinds;
        this.names = List.copyOf(names);
        this.orderBy = orderBy;
        this.lastPosition = Arrays.stream(positions).max().orElse(0);
    }

    /** The order of the mapping's key, or null when a key column's type is not one whose order this reproduces. */
    public static KeyOrder of(SourceTable source, TargetPlan target) {
        return of(source, target, true);
    }

    /** The same; {@code numericKeys} false for a source whose read does not sort numeric keys by value. */
    public static KeyOrder of(SourceTable source, TargetPlan target, boolean numericKeys) {
        List<String> key = target.primaryKey();
        if (key.isEmpty() || source.columns().size() != target.columns().size()) {
            return null;
        }
        int[] positions = new int[key.size()];
        Kind[] kinds = new Kind[key.size()];
        List<String> order = new ArrayList<>();
        for (int k = 0; k < key.size(); k++) {
            int position = -1;
            for (int i = 0; i < source.columns().size(); i++) {
                if (source.columns().get(i).name().equals(key.get(k))) {
                    position = i;
                }
            }
            if (position < 0) {
                return null;
            }
            SourceColumn sourceColumn = source.columns().get(position);
            TargetColumn targetColumn = target.columns().get(position);
            Kind kind = kindOfSource(sourceColumn.type());
            if (kind == null || (kind == Kind.NUMERIC && !numericKeys) || !targetColumn.name().equals(sourceColumn.name())
                    || kind != kindOfTarget(targetColumn.type())) {
                return null;
            }
            positions[k] = position;
            kinds[k] = kind;
            order.add(SqlNames.quote(key.get(k)) + (kind == Kind.TEXT ? " COLLATE \"C\"" : ""));
        }
        return new KeyOrder(positions, kinds, key, String.join(", ", order));
    }

    private static Kind kindOfSource(SourceType type) {
        while (type.kind() == 'd' && type.base() != null) {
            type = type.base();
        }
        if (type.kind() != 'b' || type.isArray() || !type.isBuiltIn()) {
            return null;
        }
        return switch (type.name()) {
            case "int2", "int4", "int8" -> Kind.INTEGER;
            case "text", "varchar" -> Kind.TEXT;
            case "uuid" -> Kind.UUID;
            case "numeric" -> Kind.NUMERIC;
            default -> null;
        };
    }

    private static Kind kindOfTarget(String type) {
        if (type.equals("smallint") || type.equals("integer") || type.equals("bigint")) {
            return Kind.INTEGER;
        }
        if (type.equals("text") || type.equals("character varying") || type.matches("character varying\\(\\d+\\)")) {
            return Kind.TEXT;
        }
        if (type.equals("numeric") || type.matches("numeric\\(\\d+(,-?\\d+)?\\)")) {
            return Kind.NUMERIC;
        }
        return type.equals("uuid") ? Kind.UUID : null;
    }

    /** The {@code ORDER BY} list (without the keywords), for a SELECT of the mapping's columns. */
    public String orderBy() {
        return orderBy;
    }

    /** The key's column names, in key order. */
    public List<String> names() {
        return names;
    }

    /** The kind of the key's {@code k}-th column. */
    public Kind kind(int k) {
        return kinds[k];
    }

    /** A span holder for {@link #locate}: start and end offsets of each key field. */
    public int[] newSpans() {
        return new int[positions.length * 2];
    }

    /**
     * Finds the key fields of a COPY text row (tab-separated, newline-terminated).
     *
     * @return false when the row has fewer fields than the key needs
     */
    public boolean locate(byte[] row, int[] spans) {
        int field = 0;
        int start = 0;
        int end = row.length > 0 && row[row.length - 1] == '\n' ? row.length - 1 : row.length;
        for (int i = 0; i <= end && field <= lastPosition; i++) {
            if (i == end || row[i] == '\t') {
                for (int k = 0; k < positions.length; k++) {
                    if (positions[k] == field) {
                        spans[2 * k] = start;
                        spans[2 * k + 1] = i;
                    }
                }
                field++;
                start = i + 1;
            }
        }
        return field > lastPosition;
    }

    /** Compares two located rows by key, in the order of {@link #orderBy()}. */
    public int compare(byte[] a, int[] aSpans, byte[] b, int[] bSpans) {
        for (int k = 0; k < kinds.length; k++) {
            int c = compareField(kinds[k], a, aSpans[2 * k], aSpans[2 * k + 1], b, bSpans[2 * k], bSpans[2 * k + 1]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    static int compareField(Kind kind, byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
        boolean aNull = isNull(a, aFrom, aTo);
        boolean bNull = isNull(b, bFrom, bTo);
        if (aNull || bNull) {
            return Boolean.compare(aNull, bNull);
        }
        return switch (kind) {
            case INTEGER -> Long.compare(parseLong(a, aFrom, aTo), parseLong(b, bFrom, bTo));
            case UUID -> Arrays.compareUnsigned(a, aFrom, aTo, b, bFrom, bTo);
            case TEXT -> compareText(a, aFrom, aTo, b, bFrom, bTo);
            case NUMERIC -> compareNumeric(a, aFrom, aTo, b, bFrom, bTo);
        };
    }

    private static boolean isNull(byte[] row, int from, int to) {
        return to - from == 2 && row[from] == NULL[0] && row[from + 1] == NULL[1];
    }

    private static long parseLong(byte[] row, int from, int to) {
        boolean negative = from < to && row[from] == '-';
        long value = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            value = value * 10 - (row[i] - '0');
        }
        return negative ? value : -value;
    }

    /** PostgreSQL's numeric order: {@code -Infinity}, the numbers by value, {@code Infinity}, {@code NaN}. */
    static int compareNumeric(byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
        String x = new String(a, aFrom, aTo - aFrom, java.nio.charset.StandardCharsets.US_ASCII);
        String y = new String(b, bFrom, bTo - bFrom, java.nio.charset.StandardCharsets.US_ASCII);
        int c = Integer.compare(numericClass(x), numericClass(y));
        if (c != 0 || numericClass(x) != 1) {
            return c;
        }
        return new java.math.BigDecimal(x).compareTo(new java.math.BigDecimal(y));
    }

    private static int numericClass(String value) {
        return switch (value) {
            case "-Infinity" -> 0;
            case "Infinity" -> 2;
            case "NaN" -> 3;
            default -> 1;
        };
    }

    /** Byte order of the values COPY escaped: {@code \\}, {@code \t}, {@code \n} … count as the bytes they stand for. */
    static int compareText(byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
        int i = aFrom;
        int j = bFrom;
        while (i < aTo && j < bTo) {
            int x = a[i++] & 0xff;
            if (x == '\\' && i < aTo) {
                x = unescape(a[i++]);
            }
            int y = b[j++] & 0xff;
            if (y == '\\' && j < bTo) {
                y = unescape(b[j++]);
            }
            if (x != y) {
                return x - y;
            }
        }
        return Boolean.compare(i < aTo, j < bTo);
    }

    private static int unescape(byte escaped) {
        return switch (escaped) {
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'v' -> 0x0b;
            default -> escaped & 0xff;
        };
    }

    @Override
    public String toString() {
        return Arrays.stream(kinds).map(Kind::name).collect(Collectors.joining(", ", "KeyOrder[", "]"));
    }
}
