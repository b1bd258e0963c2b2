package ai.originchain.ingest.egress;

import java.sql.SQLException;
import java.util.Properties;

import javax.sql.DataSource;

import org.postgresql.Driver;
import org.postgresql.PGProperty;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import com.zaxxer.hikari.HikariDataSource;

/**
 * Tells the {@link EgressPolicy} what no tenant may aim at: the target store's own endpoint (from
 * {@code spring.datasource.url}, or the embedded store's URL) and the service's own HTTP port.
 */
@Component
public class ProtectedEndpoints {

    private final EgressPolicy policy;

    public ProtectedEndpoints(EgressPolicy policy, Environment environment, ObjectProvider<DataSource> targetStore) {
        this.policy = policy;
        protectJdbcUrl(policy, environment.getProperty("spring.datasource.url"));
        DataSource dataSource = targetStore.getIfUnique();
        try {
            if (dataSource != null && dataSource.isWrapperFor(HikariDataSource.class)) {
                protectJdbcUrl(policy, dataSource.unwrap(HikariDataSource.class).getJdbcUrl());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot tell the target store's endpoint", e);
        }
    }

    @EventListener
    public void protectOwnPort(WebServerInitializedEvent event) {
        policy.protectEndpoint("localhost", event.getWebServer().getPort());
    }

    static void protectJdbcUrl(EgressPolicy policy, String url) {
        if (url == null || url.isBlank()) {
            return;
        }
        Properties parsed = Driver.parseURL(url, null);
        if (parsed == null) {
            throw new IllegalStateException("spring.datasource.url is not a PostgreSQL JDBC URL");
        }
        String[] hosts = PGProperty.PG_HOST.getOrDefault(parsed).split(",");
        String[] ports = PGProperty.PG_PORT.getOrDefault(parsed).split(",");
        for (int i = 0; i < hosts.length; i++) {
            String host = hosts[i].startsWith("[") ? hosts[i].substring(1, hosts[i].length() - 1) : hosts[i];
            policy.protectEndpoint(host, Integer.parseInt(ports[Math.min(i, ports.length - 1)]));
        }
    }
}
