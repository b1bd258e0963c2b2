package ai.originchain.ingest.api;

import org.springframework.boot.task.ThreadPoolTaskExecutorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import ai.originchain.ingest.IngestProperties;

/**
 * The threads that serve the API's routes (Spring's application task executor, which camel-platform-http
 * runs every request on): a synchronous sync holds one until it ends, so there are at least
 * {@code originchain.api.max-concurrent-syncs} plus {@value #OTHER_REQUESTS} for every other request
 * (docs/operations.md, "Target connections and threads"). Without it, the ninth sync of a full service waited in a
 * queue, and the runs API with it.
 */
@Configuration(proxyBeanMethods = false)
public class RequestThreads {

    /** Requests served while every sync slot is taken: the runs and stream APIs, 429 answers (Spring's default pool). */
    static final int OTHER_REQUESTS = 8;

    @Bean
    ThreadPoolTaskExecutorCustomizer requestThreadsForSyncs(IngestProperties properties) {
        int needed = Math.max(1, properties.getApi().getMaxConcurrentSyncs()) + OTHER_REQUESTS;
        return executor -> executor.setCorePoolSize(Math.max(executor.getCorePoolSize(), needed));
    }
}
