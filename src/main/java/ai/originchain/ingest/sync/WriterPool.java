package ai.originchain.ingest.sync;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import ai.originchain.ingest.IngestProperties;

/**
 * The writers the batch splitter hands batches to. The hand-off queue is as short as the pool; when
 * it is full the reading thread writes the batch itself, which pauses the read: back-pressure, so
 * at most {@code 2 × writers + 1} batches are in memory, whatever the table's size.
 */
@Configuration(proxyBeanMethods = false)
public class WriterPool {

    @Bean(destroyMethod = "shutdown")
    ExecutorService writerPool(IngestProperties properties) {
        int writers = Math.max(1, properties.getSync().getWriters());
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(writers, writers, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(writers),
                r -> {
                    Thread t = new Thread(r, "sync-writer-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.CallerRunsPolicy());
    }
}
