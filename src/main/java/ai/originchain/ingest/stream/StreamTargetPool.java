package ai.originchain.ingest.stream;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.stereotype.Component;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.IngestProperties;

/**
 * The streams' own target connections: a second pool on the main pool's settings, of
 * {@code originchain.streams.target-pool-size} connections, so running, retrying or waiting streams
 * never take the connections syncs need. Not a {@link DataSource} bean, so the main pool stays the
 * one Spring Boot makes.
 */
@Component
public class StreamTargetPool implements AutoCloseable {

    static final String POOL_NAME = "stream-target";

    private final HikariDataSource pool;

    public StreamTargetPool(DataSource target, IngestProperties properties) throws SQLException {
        HikariConfig config = new HikariConfig();
        target.unwrap(HikariDataSource.class).copyStateTo(config);
        config.setPoolName(POOL_NAME);
        config.setMaximumPoolSize(Math.max(2, properties.getStreams().getTargetPoolSize()));
        config.setMinimumIdle(0);
        // No idle minimum: an instance without streams keeps none of these open; a store down at start is no error here.
        config.setInitializationFailTimeout(-1);
        pool = new HikariDataSource(config);
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** Closes a broken connection for good instead of giving it back. */
    void evict(Connection connection) {
        pool.evictConnection(connection);
    }

    int size() {
        return pool.getMaximumPoolSize();
    }

    @Override
    public void close() {
        pool.close();
    }
}
