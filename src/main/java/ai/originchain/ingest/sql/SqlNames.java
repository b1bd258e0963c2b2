package ai.originchain.ingest.sql;

/** Quoting of identifiers that were checked against a catalog before they reach SQL text. */
public final class SqlNames {

    private SqlNames() {
    }

    public static String quote(String identifier) {
        if (identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("identifier holds a NUL character");
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    public static String qualified(String schema, String table) {
        return quote(schema) + "." + quote(table);
    }
}
