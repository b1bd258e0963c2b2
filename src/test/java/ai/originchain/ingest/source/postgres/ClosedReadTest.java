package ai.originchain.ingest.source.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.support.TestDatabases;

/**
 * A read of a pooled connection, once closed, is done with it: the merge closes its target reads when
 * they end, and the sync's end closes (and first aborts) them again, when the pool may have handed the
 * connection to the next user. The second close must not wait for that user's statement.
 */
class ClosedReadTest {

    private static final TestDatabases dbs = TestDatabases.get();
    private static final long LOCK = 740_221;

    @Test
    void closingAFinishedReadAgainDoesNotWaitForTheConnectionsNextUser() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(dbs.targetUrl());
        config.setUsername("postgres");
        config.setMaximumPoolSize(1);
        try (HikariDataSource pool = new HikariDataSource(config);
             Connection holder = dbs.targetStore().getConnection()) {
            Connection readConnection = pool.getConnection();
            readConnection.setAutoCommit(false);
            TableReader read = TableReader.copyOut(readConnection, "COPY (SELECT g FROM generate_series(1, 3) g) TO STDOUT");
            int rows = 0;
            while (read.nextRow() != null) {
                rows++;
            }
            read.close();
            assertThat(rows).isEqualTo(3);

            // The pool's one connection goes to its next user, whose statement waits on a lock the test holds.
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT pg_advisory_lock(" + LOCK + ")");
            }
            CompletableFuture<Void> nextUser = CompletableFuture.runAsync(() -> {
                try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                    st.execute("SELECT pg_advisory_lock(" + LOCK + "), pg_advisory_unlock(" + LOCK + ")");
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> "1".equals(TestDatabases.single(dbs.targetStore(),
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_lock(" + LOCK + ")%'")));

            CompletableFuture<Void> closedAgain = CompletableFuture.runAsync(() -> {
                read.abort();
                read.close();
            });
            try {
                // Bounded, not timed: without the fix this waits for the lock, which is released only below.
                closedAgain.get(20, TimeUnit.SECONDS);
                assertThat(nextUser).isNotDone();
            } finally {
                try (Statement st = holder.createStatement()) {
                    st.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
                }
            }
            nextUser.get(30, TimeUnit.SECONDS);
            assertThat(closedAgain).isCompleted();
        }
    }
}
