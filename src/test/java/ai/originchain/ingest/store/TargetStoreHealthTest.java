package ai.originchain.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;

import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.embedded.EmbeddedPostgresServers;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The readiness check follows a real target store that stops and comes back (the HTTP side is in
 * TargetUnavailableTest and HttpEdgeTest): DOWN while it is stopped, even with a connection still
 * pooled, and UP again once it is back on the same port.
 */
class TargetStoreHealthTest {

    @Test
    void downWhileTheTargetStoreIsStoppedAndUpOnceItIsBack() throws Exception {
        Path dataDir = Files.createTempDirectory("target-health");
        EmbeddedPostgres store = EmbeddedPostgresServers.start(dataDir, true, 0, null);
        int port = store.getPort();
        try (HikariDataSource pool = new HikariDataSource()) {
            pool.setJdbcUrl(store.getJdbcUrl("postgres", "postgres"));
            pool.setUsername("postgres");
            pool.setConnectionTimeout(1000);
            pool.setInitializationFailTimeout(-1);
            TargetStoreHealth health = new TargetStoreHealth(pool);
            pool.getConnection().close();

            assertThat(health.health().getStatus()).isEqualTo(Status.UP);

            store.close();
            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.health().getDetails()).isEmpty();

            store = EmbeddedPostgresServers.start(dataDir, false, port, null);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        } finally {
            store.close();
            org.springframework.util.FileSystemUtils.deleteRecursively(dataDir);
        }
    }
}
