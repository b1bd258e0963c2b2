package ai.originchain.ingest.sync;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.MDC;

import ai.originchain.ingest.failure.SyncFailure;

/**
 * The batcher of a {@link PartedRead}: one {@link RowBatcher} per part, each on a thread of its own,
 * handing its batches through a queue of one batch per part to the splitter, which takes them in
 * whatever order they come. Memory stays bounded: each part holds the batch it fills and at most one
 * waiting; a part's failure ends the whole read with it.
 */
public final class ParallelBatches implements Iterator<RowBatch>, Closeable {

    private static final Object END = new Object();
    private static final long OFFER_MILLIS = 200;

    private final MappingJob job;
    private final PartedRead read;
    private final BlockingQueue<Object> queue;
    private final List<Thread> threads = new ArrayList<>();
    private int running;
    private RowBatch next;
    private volatile boolean closed;

    public ParallelBatches(MappingJob job, PartedRead read, int batchRows, int batchBytes) {
        this.job = job;
        this.read = read;
        this.queue = new ArrayBlockingQueue<>(read.parts().size());
        Map<String, String> logContext = MDC.getCopyOfContextMap();
        for (RowSource part : read.parts()) {
            RowBatcher batcher = new RowBatcher(job, part, batchRows, batchBytes);
            Thread thread = new Thread(() -> produce(batcher, logContext), "originchain-read-" + threads.size());
            thread.setDaemon(true);
            threads.add(thread);
        }
        running = threads.size();
        threads.forEach(Thread::start);
    }

    private void produce(RowBatcher batcher, Map<String, String> logContext) {
        if (logContext != null) {
            MDC.setContextMap(logContext);
        }
        try {
            while (batcher.hasNext()) {
                if (!hand(batcher.next())) {
                    return;
                }
            }
            hand(END);
        } catch (RuntimeException e) {
            hand(e);
        }
    }

    /** Waits for room in the queue, unless the read was closed meanwhile (then false). */
    private boolean hand(Object item) {
        try {
            while (!closed) {
                if (queue.offer(item, OFFER_MILLIS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    @Override
    public boolean hasNext() {
        while (next == null && running > 0) {
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                job.run().throwIfAborted();
                throw SyncFailure.sourceFailed("reading " + job.mapping().sourceTableName() + " was interrupted");
            }
            if (item == END) {
                running--;
            } else if (item instanceof RuntimeException failure) {
                running = 0;
                throw failure;
            } else {
                next = (RowBatch) item;
            }
        }
        return next != null;
    }

    @Override
    public RowBatch next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RowBatch batch = next;
        next = null;
        return batch;
    }

    /** Cuts the parts off, waits for their threads, then releases their connections. */
    @Override
    public void close() {
        closed = true;
        if (threads.stream().anyMatch(Thread::isAlive)) {
            read.abort();
        }
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        queue.clear();
        read.close();
    }
}
