package ai.originchain.ingest.source.mysql;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import ai.originchain.ingest.typemap.TypeMap;

/**
 * MySQL's type map: what PostgreSQL type a MySQL column becomes, and how its values are read so
 * none is distorted on the way (docs/sources.md's MySQL table is {@link #rules()}; a test keeps them equal).
 * Values are read as the bytes of the text the server writes (timestamps in the session's UTC), never
 * through the driver's Java types (which cap TIME at 24 h, turn YEAR into a date, throw on zero
 * dates), then rendered as COPY text.
 */
public final class MySqlTypeMap {

    /** How a column's value is read and rendered. */
    public enum Read { TEXT, BYTES, BITS, DATE, DATETIME, TIMESTAMP, SET }

    /** A mapped column: the target type as PostgreSQL's {@code format_type} spells it. */
    public record Mapped(String targetType, Read read, Optional<String> warning) {
    }

    /**
     * A column whose reported size is one no MySQL or MariaDB server reports: the numbers of a type
     * reach the target's DDL, so each is checked against the engine's own limits first.
     */
    public static final class Refused extends IllegalArgumentException {
        Refused(String message) {
            super(message);
        }
    }

    private static final Set<String> SPATIAL = Set.of("geometry", "point", "linestring", "polygon", "multipoint",
            "multilinestring", "multipolygon", "geometrycollection", "geomcollection");
    private static final Set<String> BINARY = Set.of("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob");
    private static final Set<String> TEXT = Set.of("tinytext", "text", "mediumtext", "longtext");

    private MySqlTypeMap() {
    }

    public static List<TypeMap.Rule> rules() {
        return List.of(
                new TypeMap.Rule("tinyint, smallint, mediumint, int, bigint", "smallint, smallint, integer, integer, bigint", "identity of values"),
                new TypeMap.Rule("tinyint unsigned, smallint unsigned, mediumint unsigned, int unsigned, bigint unsigned",
                        "smallint, integer, integer, bigint, numeric(20,0)", "widened so the unsigned maximum fits"),
                new TypeMap.Rule("tinyint(1) (BOOL, BOOLEAN)", "smallint",
                        "the number is kept (MySQL stores any −128…127 there); declare `boolean` in `schemas` for true/false"),
                new TypeMap.Rule("decimal(p,s), numeric(p,s)", "numeric(p,s)", "identity"),
                new TypeMap.Rule("float", "real", "the server's text of the value"),
                new TypeMap.Rule("double, real", "double precision", "the server's text of the value"),
                new TypeMap.Rule("bit(n)", "bit(n)", "identity"),
                new TypeMap.Rule("date", "date", "warning: zero dates (`0000-00-00`, zero month or day) become NULL, counted in the report"),
                new TypeMap.Rule("datetime(p)", "timestamp(p) without time zone", "zero dates as for date"),
                new TypeMap.Rule("timestamp(p)", "timestamp(p) with time zone", "read in UTC; zero dates as for date"),
                new TypeMap.Rule("time(p)", "interval", "the whole ±838:59:59 range"),
                new TypeMap.Rule("year", "smallint", "the year as a number (`0000` is 0)"),
                new TypeMap.Rule("char(n), varchar(n)", "character(n), character varying(n)", "identity, utf8mb4 kept (emoji included)"),
                new TypeMap.Rule("tinytext, text, mediumtext, longtext", "text", "identity"),
                new TypeMap.Rule("enum(…)", "text", "the label"),
                new TypeMap.Rule("set(…)", "text[]", "the members, in the set's order"),
                new TypeMap.Rule("json (MariaDB: longtext with a `json_valid` check)", "jsonb", "identity of the document"),
                new TypeMap.Rule("binary(n), varbinary(n), tinyblob, blob, mediumblob, longblob", "bytea", "identity of the bytes"),
                new TypeMap.Rule("geometry, point, linestring, polygon, multi…, geometrycollection", "bytea",
                        "warning: the value as WKB (`ST_AsBinary`), without its SRID"),
                new TypeMap.Rule("uuid, inet4, inet6 (MariaDB)", "uuid, inet, inet", "identity"),
                new TypeMap.Rule("any other type", "text", "warning: the server's text of the value"));
    }

    /**
     * @param dataType    {@code information_schema.COLUMNS.DATA_TYPE}, e.g. {@code int}
     * @param columnType  {@code COLUMN_TYPE}, e.g. {@code int(10) unsigned} or {@code tinyint(1)}
     * @param json        MariaDB's JSON: a longtext column under a {@code json_valid} check
     */
    public static Mapped map(String dataType, String columnType, Long precision, Long scale, Long length,
                             Long datetimePrecision, boolean json) {
        String type = dataType.toLowerCase(Locale.ROOT);
        boolean unsigned = columnType.toLowerCase(Locale.ROOT).contains("unsigned");
        long fsp = datetimePrecision == null ? 0 : datetimePrecision;
        if (type.equals("datetime") || type.equals("timestamp")) {
            within(columnType, "fractional seconds precision", fsp, 0, 6);
        }
        if (json && TEXT.contains(type)) {
            return text("jsonb");
        }
        if (SPATIAL.contains(type)) {
            return new Mapped("bytea", Read.BYTES, Optional.of("spatial type " + columnType
                    + " is copied as bytea holding the value's WKB (ST_AsBinary), without its SRID"));
        }
        if (BINARY.contains(type)) {
            return new Mapped("bytea", Read.BYTES, Optional.empty());
        }
        if (TEXT.contains(type)) {
            return text("text");
        }
        return switch (type) {
            case "tinyint" -> text("smallint");
            case "smallint" -> text(unsigned ? "integer" : "smallint");
            case "mediumint" -> text("integer");
            case "int", "integer" -> text(unsigned ? "bigint" : "integer");
            case "bigint" -> text(unsigned ? "numeric(20,0)" : "bigint");
            case "decimal", "numeric" -> {
                long digits = within(columnType, "precision", precision, 1, 65);
                yield text("numeric(" + digits + "," + within(columnType, "scale", scale == null ? 0L : scale, 0, Math.min(38, digits)) + ")");
            }
            case "float" -> text("real");
            case "double", "real", "double precision" -> text("double precision");
            case "bit" -> new Mapped("bit(" + within(columnType, "length", precision == null ? 1L : precision, 1, 64) + ")",
                    Read.BITS, Optional.empty());
            case "date" -> new Mapped("date", Read.DATE, Optional.empty());
            case "datetime" -> new Mapped("timestamp(" + fsp + ") without time zone", Read.DATETIME, Optional.empty());
            case "timestamp" -> new Mapped("timestamp(" + fsp + ") with time zone", Read.TIMESTAMP, Optional.empty());
            case "time" -> text("interval");
            case "year" -> text("smallint");
            case "char" -> text("character(" + within(columnType, "length", length, 1, 255) + ")");
            case "varchar" -> text("character varying(" + within(columnType, "length", length, 1, 65_535) + ")");
            case "enum" -> text("text");
            case "set" -> new Mapped("text[]", Read.SET, Optional.empty());
            case "json" -> text("jsonb");
            case "uuid" -> text("uuid");
            case "inet4", "inet6" -> text("inet");
            default -> new Mapped("text", Read.TEXT, Optional.of("MySQL type " + columnType
                    + " has no PostgreSQL counterpart here and is copied as text (the server's text of the value)"));
        };
    }

    private static long within(String columnType, String what, Long value, long min, long max) {
        if (value == null || value < min || value > max) {
            throw new Refused("the source reports " + what + " " + value + " for type '" + shown(columnType)
                    + "'; the service takes " + min + " to " + max);
        }
        return value;
    }

    private static String shown(String text) {
        return text == null ? "" : text.length() <= 64 ? text : text.substring(0, 64) + "…";
    }

    private static Mapped text(String targetType) {
        return new Mapped(targetType, Read.TEXT, Optional.empty());
    }

    /**
     * The SELECT expression that reads the column {@code quoted}: the column itself (the text protocol
     * carries the server's own text of every value, read as bytes so the driver reformats nothing),
     * but WKB for spatial values and the digits of a bit string.
     */
    static String selectExpression(String dataType, String quoted) {
        String type = dataType.toLowerCase(Locale.ROOT);
        if (SPATIAL.contains(type)) {
            return "ST_AsBinary(" + quoted + ")";
        }
        return type.equals("bit") ? "BIN(" + quoted + " + 0)" : quoted;
    }
}
