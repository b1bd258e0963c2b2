package ai.originchain.ingest.runs;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.api.SqliteUploads;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.SourceInspector;
import ai.originchain.ingest.sync.SyncAdmission;
import ai.originchain.ingest.sync.SyncManifest;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;

/**
 * Syncs asked for with {@code Prefer: respond-async} (RFC 7240): the run is opened (and in the run
 * history) in the caller's thread, then runs the shared chain on a pool of
 * {@code originchain.api.async-pool-size} threads, so the request is answered at once. A full pool
 * refuses the request before anything is opened.
 */
@Component("asyncSyncs")
public class AsyncSyncs {

    private static final Logger log = LoggerFactory.getLogger(AsyncSyncs.class);
    static final Duration RETRY_AFTER = Duration.ofSeconds(10);

    private final SyncSteps steps;
    private final SyncAdmission admission;
    private final SqliteUploads uploads;
    private final CamelContext camel;
    private final int poolSize;
    private final Semaphore slots;
    private volatile ExecutorService pool;
    private volatile ProducerTemplate producer;

    public AsyncSyncs(SyncSteps steps, SyncAdmission admission, SqliteUploads uploads, CamelContext camel,
                      IngestProperties properties) {
        this.steps = steps;
        this.admission = admission;
        this.uploads = uploads;
        this.camel = camel;
        this.poolSize = Math.max(1, properties.getApi().getAsyncPoolSize());
        this.slots = new Semaphore(poolSize);
    }

    /** Whether the request's {@code Prefer} header asks for {@code respond-async}. */
    public boolean requested(@Header("Prefer") String prefer) {
        if (prefer == null) {
            return false;
        }
        for (String preference : prefer.split(",")) {
            String token = preference.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (token.equals("respond-async")) {
                return true;
            }
        }
        return false;
    }

    /** Opens the run and starts it in the background; the exchange keeps the run for the 202 answer. */
    public SyncRun start(@Header("tenant") String tenant, Exchange exchange) {
        if (!slots.tryAcquire()) {
            throw SyncFailure.limitReached("all " + poolSize + " background syncs of this instance are running; retry later",
                    RETRY_AFTER);
        }
        try {
            SyncManifest manifest = exchange.getMessage().getBody(SyncManifest.class);
            SyncRun run = steps.open(tenant, exchange);
            admitOrEnd(run, exchange);
            Exchange background = new DefaultExchange(camel);
            background.getMessage().setBody(manifest);
            background.getMessage().setHeader("tenant", tenant);
            background.setProperty(SyncSteps.RUN, run);
            background.setProperty(SourceInspector.ENGINE, exchange.getProperty(SourceInspector.ENGINE));
            // An uploaded file now belongs to the background run, which deletes it when it ends.
            uploads.handOver(exchange, background);
            pool().execute(() -> {
                try {
                    producer().send("direct:run-sync", background);
                } catch (RuntimeException e) {
                    log.error("background sync {} could not run: {}", run.id(), e.getClass().getName());
                } finally {
                    uploads.discard(background);
                    slots.release();
                }
            });
            return run;
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        } finally {
            // The run goes on in the background, which sets its own log context; this thread serves others.
            SyncSteps.clearLogContext();
        }
    }

    /**
     * The tenant's and the service's limits are decided here, in the caller's thread, so a refusal is
     * the caller's 429 (or 503 when shutting down); a refused run ends and is recorded at once.
     */
    private void admitOrEnd(SyncRun run, Exchange exchange) {
        try {
            admission.admit(run, exchange);
        } catch (SyncFailure refused) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, refused.kind().status());
            steps.release(exchange);
            exchange.removeProperty(SyncSteps.RUN);
            throw refused;
        }
    }

    private ExecutorService pool() {
        if (pool == null) {
            synchronized (this) {
                if (pool == null) {
                    // As many threads as slots: a task never waits in the queue.
                    pool = camel.getExecutorServiceManager().newFixedThreadPool(this, "async-sync", poolSize);
                }
            }
        }
        return pool;
    }

    private ProducerTemplate producer() {
        if (producer == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = camel.createProducerTemplate();
                }
            }
        }
        return producer;
    }
}
