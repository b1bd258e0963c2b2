package ai.originchain.ingest.schedule;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.quartz.Scheduler;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.quartz.SchedulerFactoryBean;

/**
 * {@code originchain.scheduler.clustered=true}: quartz keeps its jobs and triggers in the target
 * store (schema {@code originchain}, tables {@code qrtz_*}), clustered, so however many instances
 * run, each trigger fires on one of them once. Off (the default), camel-quartz keeps them in memory.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "originchain.scheduler.clustered", havingValue = "true")
public class ClusteredScheduler {

    static final String TABLE_PREFIX = "originchain.qrtz_";

    @Bean
    SchedulerFactoryBean clusteredQuartz(DataSource target) throws SQLException, IOException {
        createTablesIfMissing(target);
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

    /** Quartz's own PostgreSQL DDL, in the service's metadata schema, created once under a lock. */
    static void createTablesIfMissing(DataSource target) throws SQLException, IOException {
        String ddl;
        try (InputStream in = Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
            ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ddl = ddl.replaceAll("(?m)^DROP TABLE.*$", "").replaceAll("(?m)^--.*$", "").replaceAll("(?i)\\bCOMMIT;", "")
                .replaceAll("\\bQRTZ_", "originchain.QRTZ_");
        try (Connection connection = target.getConnection(); Statement st = connection.createStatement()) {
            connection.setAutoCommit(true);
            st.execute("SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtextextended('originchain.metadata', 0))");
            try {
                st.execute("CREATE SCHEMA IF NOT EXISTS originchain");
                boolean exists;
                try (var rs = st.executeQuery("SELECT to_regclass('originchain.qrtz_job_details') IS NOT NULL")) {
                    rs.next();
                    exists = rs.getBoolean(1);
                }
                if (!exists) {
                    st.execute(ddl);
                }
            } finally {
                st.execute("SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended('originchain.metadata', 0))");
            }
        }
    }
}
