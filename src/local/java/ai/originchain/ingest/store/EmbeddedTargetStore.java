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

import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.embedded.EmbeddedPostgresServers;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The target store when the operator named none ({@code spring.datasource.url} unset): an embedded
 * PostgreSQL whose data stays in {@code originchain.target.embedded-data-dir} across restarts.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(NoTargetUrlConfigured.class)
public class EmbeddedTargetStore {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedTargetStore.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedTargetServer(IngestProperties properties) throws IOException {
        Path dataDir = Path.of(properties.getTarget().getEmbeddedDataDir()).toAbsolutePath();
        EmbeddedPostgres server = EmbeddedPostgresServers.start(dataDir, false, properties.getTarget().getEmbeddedPort(), null);
        log.info("Embedded target store: PostgreSQL on localhost:{}, data in {}", server.getPort(), dataDir);
        return server;
    }

    @Bean
    @ConfigurationProperties("spring.datasource.hikari")
    DataSource dataSource(EmbeddedPostgres embeddedTargetServer) {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(embeddedTargetServer.getJdbcUrl("postgres", "postgres"));
        dataSource.setUsername("postgres");
        return dataSource;
    }
}
