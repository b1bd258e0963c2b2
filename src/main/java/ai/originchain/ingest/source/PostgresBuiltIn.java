package ai.originchain.ingest.source;

import ai.originchain.ingest.typemap.SourceType;

/**
 * Describes the PostgreSQL built-in type that another engine's COPY text is in, so the shared chain
 * (type planner, merge-diff key order) treats those values as it treats PostgreSQL's own.
 */
public final class PostgresBuiltIn {

    /** The names another engine's type map gives: words, one modifier list of numbers, a time zone clause. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile(
            "[a-z]+( [a-z]+)*(\\([0-9]{1,8}(,[0-9]{1,8})?\\))?( with(out)? time zone)?");

    private PostgresBuiltIn() {
    }

    /** {@code formatted} as {@code format_type} spells it, e.g. {@code bigint}, {@code character varying(20)}, {@code text[]}. */
    public static SourceType of(String formatted) {
        if (formatted.endsWith("[]")) {
            SourceType element = of(formatted.substring(0, formatted.length() - 2));
            return new SourceType(formatted, 'b', "pg_catalog", "_" + element.name(), -1, element, null, true);
        }
        if (!NAME.matcher(formatted).matches()) {
            throw new IllegalArgumentException("not a type name of the service's type maps: " + formatted);
        }
        String name = switch (formatted) {
            case "smallint" -> "int2";
            case "integer" -> "int4";
            case "bigint" -> "int8";
            case "double precision" -> "float8";
            case "real" -> "float4";
            default -> formatted.startsWith("character varying") ? "varchar" : formatted.replaceAll("[ (].*", "");
        };
        return new SourceType(formatted, 'b', "pg_catalog", name, -1, null, null, true);
    }
}
