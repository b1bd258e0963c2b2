package ai.originchain.ingest.sync;

import java.sql.SQLException;
import java.sql.Statement;

/**
 * The transaction-local settings under which every COPY text read runs, at the source and at the
 * target alike, so that one value prints as the same bytes on either server: timestamps in UTC,
 * intervals and dates in one style, floats exact, bytea as hex.
 */
public final class CopyTextSession {

    private static final String[] SETTINGS = {
        "SET LOCAL TimeZone = 'UTC'",
        "SET LOCAL DateStyle = 'ISO'",
        "SET LOCAL IntervalStyle = 'postgres'",
        "SET LOCAL extra_float_digits = 3",
        "SET LOCAL bytea_output = 'hex'",
    };

    private CopyTextSession() {
    }

    /** Applies the settings inside the statement's connection's open transaction. */
    public static void apply(Statement st) throws SQLException {
        for (String setting : SETTINGS) {
            st.execute(setting);
        }
    }
}
