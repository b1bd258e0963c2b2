package ai.originchain.ingest.source.sqlite;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import ai.originchain.ingest.typemap.TypeMap;

/**
 * SQLite's type map. SQLite keeps a storage class per value, not per column; a column's declared
 * type only gives it an affinity (sqlite.org/datatype3.html). The target type follows the declared
 * affinity, read from {@code PRAGMA table_info} (the driver's metadata guesses from the rows), and is
 * checked against the storage classes the column really holds ({@code typeof()}): a column whose
 * values do not fit its affinity becomes {@code text}, with a warning. docs/sources.md's SQLite table is
 * {@link #rules()}; a test keeps them equal.
 */
public final class SqliteTypeMap {

    public enum Affinity { INTEGER, REAL, TEXT, BLOB, NUMERIC }

    public record Mapped(String targetType, Optional<String> warning) {
    }

    private SqliteTypeMap() {
    }

    public static List<TypeMap.Rule> rules() {
        return List.of(
                new TypeMap.Rule("INTEGER affinity (a declared type containing INT)", "bigint", "identity"),
                new TypeMap.Rule("REAL affinity (REAL, FLOA, DOUB)", "double precision", "the shortest text that reads back as the same double"),
                new TypeMap.Rule("TEXT affinity (CHAR, CLOB, TEXT)", "text", "identity"),
                new TypeMap.Rule("BLOB affinity (BLOB)", "bytea", "identity of the bytes"),
                new TypeMap.Rule("NUMERIC affinity (any other declared type: NUMERIC, DECIMAL, BOOLEAN, DATE …)", "numeric", "identity"),
                new TypeMap.Rule("no declared type (untyped columns, view expressions)",
                        "the type of the one storage class it holds (integer → bigint, real → double precision, text → text, blob → bytea); text when empty",
                        "as for the affinities"),
                new TypeMap.Rule("a column holding values of storage classes its affinity does not take (e.g. text in an INTEGER column)",
                        "text", "warning: numbers as text, blobs as `\\x` hex"));
    }

    /** SQLite's affinity rules, in their order. */
    public static Affinity affinity(String declared) {
        String type = declared == null ? "" : declared.toUpperCase(Locale.ROOT);
        if (type.contains("INT")) {
            return Affinity.INTEGER;
        }
        if (type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT")) {
            return Affinity.TEXT;
        }
        if (type.contains("BLOB") || type.isBlank()) {
            return Affinity.BLOB;
        }
        if (type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB")) {
            return Affinity.REAL;
        }
        return Affinity.NUMERIC;
    }

    /**
     * @param declared the declared type, possibly empty
     * @param classes  the storage classes the column's values have ({@code typeof()}), NULL left out
     */
    public static Mapped map(String declared, Set<String> classes) {
        Affinity affinity = affinity(declared);
        boolean untyped = declared == null || declared.isBlank();
        if (untyped && classes.size() <= 1) {
            String only = classes.isEmpty() ? "text" : classes.iterator().next();
            return new Mapped(typeOfClass(only), Optional.empty());
        }
        Set<String> fits = switch (affinity) {
            case INTEGER -> Set.of("integer");
            case REAL -> Set.of("real", "integer");
            case TEXT -> Set.of("text");
            case BLOB -> Set.of("blob");
            case NUMERIC -> Set.of("integer", "real");
        };
        if (!fits.containsAll(classes)) {
            return new Mapped("text", Optional.of("declared " + (untyped ? "without a type" : "'" + declared + "'") + " ("
                    + affinity + " affinity) but holds " + String.join(", ", classes.stream().sorted().toList())
                    + " values: copied as text"));
        }
        return new Mapped(switch (affinity) {
            case INTEGER -> "bigint";
            case REAL -> "double precision";
            case TEXT -> "text";
            case BLOB -> "bytea";
            case NUMERIC -> "numeric";
        }, Optional.empty());
    }

    private static String typeOfClass(String storageClass) {
        return switch (storageClass) {
            case "integer" -> "bigint";
            case "real" -> "double precision";
            case "blob" -> "bytea";
            default -> "text";
        };
    }
}
