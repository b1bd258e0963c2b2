package ai.originchain.ingest.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import com.zaxxer.hikari.HikariDataSource;

import ai.originchain.ingest.IngestProperties;

/**
 * Sizes the target pool from the sync limits before it opens (docs/operations.md, "Target connections and threads"):
 * {@code max-concurrent-syncs × 5 + originchain.target-pool.service-connections} (each sync's budget of
 * {@value TargetConnections#BUDGET} and its run-history session), unless
 * {@code spring.datasource.hikari.maximum-pool-size} is set; a size set below that refuses to start,
 * since an admitted sync could then fail for want of a connection while the store is up.
 */
@Component
public class TargetPoolSizing implements BeanPostProcessor, EnvironmentAware {

    private static final Logger log = LoggerFactory.getLogger(TargetPoolSizing.class);
    public static final String MAXIMUM_POOL_SIZE = "spring.datasource.hikari.maximum-pool-size";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    /** The pool the syncs' budgets and the service's own connections need. */
    public static int needed(int maxConcurrentSyncs, int serviceConnections) {
        return Math.max(1, maxConcurrentSyncs) * TargetConnections.PER_SYNC + Math.max(0, serviceConnections);
    }

    /** The target store's pool, Spring Boot's (or the embedded store's) {@code dataSource}; any other pool is left as it is. */
    static final String TARGET_POOL = "dataSource";

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource pool && TARGET_POOL.equals(beanName)) {
            size(pool);
        }
        return bean;
    }

    private void size(HikariDataSource pool) {
        IngestProperties defaults = new IngestProperties();
        int syncs = environment.getProperty("originchain.api.max-concurrent-syncs", Integer.class,
                defaults.getApi().getMaxConcurrentSyncs());
        int service = environment.getProperty("originchain.target-pool.service-connections", Integer.class,
                defaults.getTargetPool().getServiceConnections());
        int needed = needed(syncs, service);
        Integer configured = environment.getProperty(MAXIMUM_POOL_SIZE, Integer.class);
        if (configured == null) {
            pool.setMaximumPoolSize(needed);
        } else if (configured < needed) {
            throw new IllegalStateException(MAXIMUM_POOL_SIZE + " is " + configured + ", below the " + needed
                    + " connections that originchain.api.max-concurrent-syncs=" + syncs + " syncs need (" + syncs + " x "
                    + TargetConnections.PER_SYNC + " + originchain.target-pool.service-connections=" + service
                    + "); raise it, or leave it unset to have it computed");
        }
        log.info("Target store pool: {} connections ({} syncs x {} + {} for the service)", pool.getMaximumPoolSize(), syncs,
                TargetConnections.PER_SYNC, service);
    }
}
