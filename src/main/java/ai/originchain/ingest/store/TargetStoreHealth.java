package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

import javax.sql.DataSource;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

import com.zaxxer.hikari.HikariDataSource;

/**
 * The readiness probe's view of the target store ({@code /actuator/health/readiness} includes it):
 * DOWN while a fresh connection cannot log in and answer within {@value #TIMEOUT_SECONDS} s. The
 * check opens its own connection, so a pool busy with syncs does not make a working pod unready.
 */
@Component("targetStore")
public class TargetStoreHealth implements HealthIndicator {

    static final int TIMEOUT_SECONDS = 2;

    private final DataSource dataSource;

    public TargetStoreHealth(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Health health() {
        // No details: an error message could name the store's address or user.
        try (Connection connection = open()) {
            return connection.isValid(TIMEOUT_SECONDS) ? Health.up().build() : Health.down().build();
        } catch (SQLException | RuntimeException e) {
            return Health.down().build();
        }
    }

    private Connection open() throws SQLException {
        if (dataSource instanceof HikariDataSource hikari && hikari.getJdbcUrl() != null) {
            Properties properties = new Properties();
            properties.putAll(hikari.getDataSourceProperties());
            if (hikari.getUsername() != null) {
                properties.setProperty("user", hikari.getUsername());
            }
            if (hikari.getPassword() != null) {
                properties.setProperty("password", hikari.getPassword());
            }
            String timeout = String.valueOf(TIMEOUT_SECONDS);
            properties.setProperty("connectTimeout", timeout);
            properties.setProperty("loginTimeout", timeout);
            properties.setProperty("socketTimeout", timeout);
            properties.setProperty("ApplicationName", "originchain readiness");
            return DriverManager.getConnection(hikari.getJdbcUrl(), properties);
        }
        return dataSource.getConnection();
    }
}
