package ai.originchain.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.SyncRun;

/** The syncs' budgets of target connections, against the real test target store. */
class TargetConnectionsTest {

    private static IngestProperties limits(int syncs) {
        IngestProperties properties = new IngestProperties();
        properties.getApi().setMaxConcurrentSyncs(syncs);
        properties.getTargetPool().setServiceConnections(0);
        return properties;
    }

    private static SyncRun run() {
        return Manifests.run("budget_unit", Manifests.mapping("t", "orders", List.of("id"), null));
    }

    private static boolean alive(Connection connection) throws SQLException {
        return connection.isValid(2);
    }

    @Test
    void everyAdmittedSyncGetsItsFourConnectionsWhileExtrasOnlyTakeWhatIsFree() throws Exception {
        // A pool of 2 x 5: two run-history sessions and two budgets of 4, nothing for parallel work beyond them.
        TargetConnections connections = new TargetConnections(TestDatabases.get().targetStore(), limits(2));
        SyncRun first = run();
        SyncRun second = run();
        connections.reserve(first);
        List<Connection> open = new ArrayList<>();
        try {
            // The first sync takes its whole budget and more parallel reads: none is free beyond the second's budget.
            open.add(connections.kept(first));
            open.add(connections.kept(first));
            open.add(connections.read(first));
            open.add(connections.work(first));
            Connection extra = connections.readIfFree(first);
            assertThat(extra).as("a connection the second sync's budget does not need yet").isNotNull();
            open.add(extra);
            for (int i = 0; i < 3; i++) {
                open.add(connections.readIfFree(first));
            }
            assertThat(connections.readIfFree(first)).as("the share is all taken").isNull();

            // The second sync's budget waits for the first's extras, then gets its four.
            CompletableFuture<Void> admitted = CompletableFuture.runAsync(() -> connections.reserve(second));
            assertThat(catchThrowableOfType(java.util.concurrent.TimeoutException.class,
                    () -> admitted.get(300, TimeUnit.MILLISECONDS))).isNotNull();
            for (Connection c : open.subList(4, 8)) {
                c.close();
            }
            admitted.get(10, TimeUnit.SECONDS);
            List<Connection> seconds = List.of(connections.kept(second), connections.kept(second), connections.read(second),
                    connections.work(second));
            for (Connection c : seconds) {
                assertThat(alive(c)).isTrue();
                c.close();
            }
            // With every place taken, the first sync's next piece of work waits for its own working connection.
            assertThat(connections.readIfFree(first)).isNull();
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
                try (Connection c = connections.work(first)) {
                    return alive(c);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(catchThrowableOfType(java.util.concurrent.TimeoutException.class,
                    () -> waiting.get(300, TimeUnit.MILLISECONDS))).isNotNull();
            open.get(3).close();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            for (Connection c : open) {
                c.close();
            }
            connections.release(first);
            connections.release(second);
        }
    }

    @Test
    void aConnectionOutsideAnyBudgetComesStraightFromThePool() throws Exception {
        TargetConnections connections = new TargetConnections(TestDatabases.get().targetStore(), limits(1));
        try (Connection c = connections.work(run())) {
            assertThat(alive(c)).isTrue();
        }
    }

    @Test
    void thePoolIsSizedFromTheLimitsAndAPoolSetBelowThatRefusesToStart() {
        TargetPoolSizing sizing = new TargetPoolSizing();
        sizing.setEnvironment(new MockEnvironment());
        try (HikariDataSource computed = new HikariDataSource()) {
            sizing.postProcessAfterInitialization(computed, TargetPoolSizing.TARGET_POOL);
            assertThat(computed.getMaximumPoolSize()).isEqualTo(16 * 5 + 8);
        }
        sizing.setEnvironment(new MockEnvironment().withProperty("originchain.api.max-concurrent-syncs", "3")
                .withProperty("originchain.target-pool.service-connections", "2"));
        try (HikariDataSource computed = new HikariDataSource()) {
            sizing.postProcessAfterInitialization(computed, TargetPoolSizing.TARGET_POOL);
            assertThat(computed.getMaximumPoolSize()).isEqualTo(3 * 5 + 2);
        }
        sizing.setEnvironment(new MockEnvironment().withProperty(TargetPoolSizing.MAXIMUM_POOL_SIZE, "16"));
        try (HikariDataSource small = new HikariDataSource()) {
            IllegalStateException refused = catchThrowableOfType(IllegalStateException.class,
                    () -> sizing.postProcessAfterInitialization(small, TargetPoolSizing.TARGET_POOL));
            assertThat(refused).hasMessageContaining("spring.datasource.hikari.maximum-pool-size is 16, below the 88 connections");
            // Another pool (a stream pool of its own) is not the syncs' to size.
            int before = small.getMaximumPoolSize();
            sizing.postProcessAfterInitialization(small, "streamDataSource");
            assertThat(small.getMaximumPoolSize()).isEqualTo(before);
        }
    }
}
