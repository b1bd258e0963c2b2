package ai.originchain.ingest.sync;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The DDL of the incremental high-water marks, {@code originchain.sync_cursors}: one row per tenant,
 * target schema and source table. Kept in one place so it can become a schema migration as it is.
 */
public final class CursorTable {

    static final String DDL = """
            CREATE SCHEMA IF NOT EXISTS originchain;
            CREATE TABLE IF NOT EXISTS originchain.sync_cursors (
                tenant         text NOT NULL,
                target_schema  text NOT NULL,
                source_table   text NOT NULL,
                cursor_column  text NOT NULL,
                filter         text,
                high_water     text,
                sync_id        uuid NOT NULL,
                updated_at     timestamptz NOT NULL,
                PRIMARY KEY (tenant, target_schema, source_table)
            );
            """;

    private static volatile boolean ready;

    private CursorTable() {
    }

    /** Creates the table once per process, under the same advisory lock as the rest of the metadata schema. */
    static void ensure(Connection connection) throws SQLException {
        if (ready) {
            return;
        }
        try (Statement st = connection.createStatement()) {
            st.execute("SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtextextended('originchain.metadata', 0))");
            try {
                st.execute(DDL);
            } finally {
                st.execute("SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended('originchain.metadata', 0))");
            }
        }
        ready = true;
    }
}
