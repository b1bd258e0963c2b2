package ai.originchain.ingest.stream;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The streams' tables in the metadata schema of the target store, created under the
 * {@code originchain.metadata} advisory lock as the run history's are. Kept in this one class so it
 * can move into a schema migration unchanged.
 */
final class StreamMetadata {

    static final String DDL = """
            CREATE SCHEMA IF NOT EXISTS originchain;
            CREATE TABLE IF NOT EXISTS originchain.streams (
                tenant            text NOT NULL,
                stream            text NOT NULL,
                stream_id         uuid NOT NULL UNIQUE,
                definition        jsonb NOT NULL,
                fingerprint       text NOT NULL,
                credentials       bytea NOT NULL,
                publication       text NOT NULL,
                publication_owned boolean NOT NULL,
                slot              text NOT NULL,
                status            text NOT NULL,
                error             jsonb,
                source_lsn        bigint,
                lag_bytes         bigint,
                checked_at        timestamptz,
                created_at        timestamptz NOT NULL DEFAULT now(),
                updated_at        timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant, stream)
            );
            CREATE TABLE IF NOT EXISTS originchain.stream_positions (
                stream_id   uuid PRIMARY KEY,
                lsn         bigint NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            );
            """;

    private StreamMetadata() {
    }

    static void ensure(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(true);
        try (Statement st = connection.createStatement()) {
            st.execute("SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtextextended('originchain.metadata', 0))");
            try {
                st.execute(DDL);
            } finally {
                st.execute("SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended('originchain.metadata', 0))");
            }
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
