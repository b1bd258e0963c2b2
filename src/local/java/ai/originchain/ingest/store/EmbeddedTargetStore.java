package ai.originchain.ingest.store;

import java.io.IOException;
import java.nio.file.Path;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.embedded.PasswordProtectedServer;

/**
 * The target store when the operator named none ({@code spring.datasource.url} unset): an embedded
 * PostgreSQL whose data stays in {@code originchain.target.embedded-data-dir} across restarts,
 * listening on loopback only, its superuser guarded by a generated password kept in that folder.
 * Its bean is destroyed after everything that uses the data source, so it stops last.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(NoTargetUrlConfigured.class)
public class EmbeddedTargetStore {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedTargetStore.class);

    @Bean
    PasswordProtectedServer embeddedTargetServer(IngestProperties properties, Environment environment) throws IOException {
        Path dataDir = Path.of(properties.getTarget().getEmbeddedDataDir()).toAbsolutePath();
        PasswordProtectedServer server = PasswordProtectedServer.start(dataDir, properties.getTarget().getEmbeddedPort(),
                maxConnections(properties, environment));
        log.info("Embedded target store: PostgreSQL on localhost:{}, data in {}, password in {}", server.server().getPort(),
                dataDir, dataDir.resolve(PasswordProtectedServer.PASSWORD_FILE));
        return server;
    }

    /** Room for the pool twice over (the readiness check, streams, an operator's psql), at least the server's default. */
    static int maxConnections(IngestProperties properties, Environment environment) {
        int pool = Math.max(TargetPoolSizing.needed(properties.getApi().getMaxConcurrentSyncs(),
                        properties.getTargetPool().getServiceConnections()),
                environment.getProperty(TargetPoolSizing.MAXIMUM_POOL_SIZE, Integer.class, 0));
        return Math.max(PasswordProtectedServer.DEFAULT_MAX_CONNECTIONS, 2 * pool);
    }

    @Bean
    @ConfigurationProperties("spring.datasource.hikari")
    DataSource dataSource(PasswordProtectedServer embeddedTargetServer) {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(embeddedTargetServer.server().getJdbcUrl(PasswordProtectedServer.USER, "postgres"));
        dataSource.setUsername(PasswordProtectedServer.USER);
        dataSource.setPassword(embeddedTargetServer.password());
        return dataSource;
    }
}
