package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Runs the metadata schema's migrations (db/migration) at start. A target store that cannot be
 * reached then does not stop the service from starting (it answers 503 and its readiness is DOWN):
 * the migrations are retried in the background until the store answers. A migration that fails on a
 * reachable store still fails the start.
 */
@Configuration(proxyBeanMethods = false)
public class MetadataMigrations {

    private static final Logger log = LoggerFactory.getLogger(MetadataMigrations.class);
    static final long RETRY_SECONDS = 10;

    @Bean
    FlywayMigrationStrategy migrateWhenTheStoreAnswers() {
        return flyway -> {
            if (reachable(flyway)) {
                flyway.migrate();
                return;
            }
            log.warn("the target store cannot be reached; its metadata schema is migrated once it can (retried every {} s)",
                    RETRY_SECONDS);
            ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "metadata-migrations");
                thread.setDaemon(true);
                return thread;
            });
            retry.scheduleWithFixedDelay(() -> {
                if (reachable(flyway)) {
                    try {
                        flyway.migrate();
                        log.info("the metadata schema of the target store is migrated");
                    } catch (RuntimeException e) {
                        log.error("migrating the metadata schema failed: {}", e.getMessage());
                    }
                    retry.shutdown();
                }
            }, RETRY_SECONDS, RETRY_SECONDS, TimeUnit.SECONDS);
        };
    }

    private static boolean reachable(Flyway flyway) {
        DataSource store = flyway.getConfiguration().getDataSource();
        try (Connection connection = store.getConnection()) {
            return connection.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }
}
