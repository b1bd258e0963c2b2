package ai.originchain.ingest.schedule;

import java.util.Properties;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.quartz.Scheduler;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.quartz.SchedulerFactoryBean;

/**
 * {@code originchain.scheduler.clustered=true}: quartz keeps its jobs and triggers in the target
 * store (schema {@code originchain}, tables {@code qrtz_*}, made by the Flyway migrations), clustered, so however many instances
 * run, each trigger fires on one of them once. Off (the default), camel-quartz keeps them in memory.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "originchain.scheduler.clustered", havingValue = "true")
public class ClusteredScheduler {

    static final String TABLE_PREFIX = "originchain.qrtz_";

    /** Its tables are created by the metadata schema's migrations (db/migration), which run first. */
    @Bean
    @DependsOnDatabaseInitialization
    SchedulerFactoryBean clusteredQuartz(DataSource target) {
        Properties quartz = new Properties();
        quartz.setProperty("org.quartz.scheduler.instanceName", "originchain-ingest");
        quartz.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        quartz.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        quartz.setProperty("org.quartz.jobStore.tablePrefix", TABLE_PREFIX);
        quartz.setProperty("org.quartz.jobStore.isClustered", "true");
        quartz.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        quartz.setProperty("org.quartz.jobStore.misfireThreshold", "10000");
        quartz.setProperty("org.quartz.threadPool.threadCount", "4");
        SchedulerFactoryBean factory = new SchedulerFactoryBean();
        factory.setDataSource(target);
        factory.setQuartzProperties(quartz);
        factory.setSchedulerName("originchain-ingest");
        // camel-quartz starts it once the routes have added their triggers.
        factory.setAutoStartup(false);
        factory.setWaitForJobsToCompleteOnShutdown(true);
        return factory;
    }

    @Bean
    CamelContextConfiguration useClusteredQuartz(Scheduler clusteredQuartz) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camelContext) {
                QuartzComponent quartz = camelContext.getComponent("quartz", QuartzComponent.class);
                quartz.setScheduler(clusteredQuartz);
                quartz.setAutoStartScheduler(true);
            }

            @Override
            public void afterApplicationStart(CamelContext camelContext) {
                // Nothing to do once started.
            }
        };
    }
}
