package ai.originchain.ingest.sync;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import ai.originchain.ingest.IngestProperties;

/**
 * The writers the batch splitter ({@code executorService: writerPool}) hands batches to. The
 * hand-off queue is as short as the pool; when it is full the reading thread writes the batch
 * itself, which pauses the read: back-pressure, so at most {@code 2 × writers + 1} batches of a
 * mapping are in memory, whatever the table's size.
 */
@Configuration(proxyBeanMethods = false)
public class WriterPoolConfiguration {

    public static final String PROFILE = "writerPool";
    public static final String MAPPINGS_PROFILE = "mappingPool";

    @Bean
    CamelContextConfiguration writerPoolProfile(IngestProperties properties) {
        int writers = Math.max(1, properties.getSync().getWriters());
        int mappings = Math.max(1, properties.getSync().getParallelMappings());
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camelContext) {
                ThreadPoolProfile profile = new ThreadPoolProfile(PROFILE);
                profile.setPoolSize(writers);
                profile.setMaxPoolSize(writers);
                profile.setMaxQueueSize(writers);
                profile.setRejectedPolicy(ThreadPoolRejectedPolicy.CallerRuns);
                camelContext.getExecutorServiceManager().registerThreadPoolProfile(profile);
                // Mappings of a sync run this many at a time; the rest wait their turn in the queue.
                ThreadPoolProfile mappingProfile = new ThreadPoolProfile(MAPPINGS_PROFILE);
                mappingProfile.setPoolSize(mappings);
                mappingProfile.setMaxPoolSize(mappings);
                mappingProfile.setMaxQueueSize(-1);
                camelContext.getExecutorServiceManager().registerThreadPoolProfile(mappingProfile);
            }

            @Override
            public void afterApplicationStart(CamelContext camelContext) {
                // Nothing to do once started.
            }
        };
    }
}
