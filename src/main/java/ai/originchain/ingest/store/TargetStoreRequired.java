package ai.originchain.ingest.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootExceptionReporter;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.util.ClassUtils;

/**
 * Stops the service before anything starts when it has no target store: no {@code spring.datasource.url}
 * and no embedded one, which only the local classpath ({@code ./mvnw spring-boot:run}, the tests) carries.
 * Runs once the configuration is read and logging is up; {@link Reporter} logs the one line that says
 * so, instead of a stack trace.
 */
public class TargetStoreRequired implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    static final String EMBEDDED_STORE = "ai.originchain.ingest.store.EmbeddedTargetStore";

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        if (NoTargetUrlConfigured.in(event.getEnvironment())
                && !ClassUtils.isPresent(EMBEDDED_STORE, event.getSpringApplication().getClassLoader())) {
            throw new NoTargetStore();
        }
    }

    @Override
    public int getOrder() {
        return LoggingApplicationListener.DEFAULT_ORDER + 1;
    }

    static class NoTargetStore extends RuntimeException {
        NoTargetStore() {
            super("No target store: spring.datasource.url is not set, and this artifact carries no embedded PostgreSQL."
                    + " Set spring.datasource.url (SPRING_DATASOURCE_URL), with spring.datasource.username and .password.",
                    null, false, false);
        }
    }

    /** Reports {@link NoTargetStore} as its message alone; any other failure goes on to Spring Boot's reporters. */
    @Order(Ordered.HIGHEST_PRECEDENCE)
    public static class Reporter implements SpringBootExceptionReporter {

        private static final Logger log = LoggerFactory.getLogger(TargetStoreRequired.class);

        public Reporter(ConfigurableApplicationContext context) {
        }

        @Override
        public boolean reportException(Throwable failure) {
            if (failure instanceof NoTargetStore) {
                log.error(failure.getMessage());
                return true;
            }
            return false;
        }
    }
}
