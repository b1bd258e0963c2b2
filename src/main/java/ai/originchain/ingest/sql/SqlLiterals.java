package ai.originchain.ingest.sql;

/**
 * String literals the service writes into SQL text itself, where PostgreSQL takes no parameter (COPY,
 * a condition shared by several statements). Never a literal a server quoted.
 */
public final class SqlLiterals {

    private SqlLiterals() {
    }

    /**
     * {@code value} as an escape string constant, {@code E'…'} with every backslash and quote doubled:
     * it reads back as {@code value} whatever the session's {@code standard_conforming_strings}.
     */
    public static String quote(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a PostgreSQL text value holds no NUL character");
        }
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
