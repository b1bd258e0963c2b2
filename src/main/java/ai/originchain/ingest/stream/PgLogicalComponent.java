package ai.originchain.ingest.stream;

import java.util.Map;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;
import org.springframework.stereotype.Component;

/**
 * {@code pg-logical:changes}: the consumer endpoint of the change streams. Its consumer hands the
 * streams this instance runs ({@link StreamSupervisor}) to the route: one exchange for a stream's
 * initial copy, then one per source transaction (or part of a large one) as raw pgoutput messages,
 * processed synchronously, so a transaction is acknowledged only after the route committed it.
 * Written on pgjdbc's replication API because camel-pg-replication-slot polls, acknowledges each
 * message as it is delivered, has no TLS settings and throws the slot's exported snapshot away.
 */
@Component("pg-logical")
public class PgLogicalComponent extends DefaultComponent {

    /** Header of every exchange: {@code snapshot} (the initial copy) or {@code changes}. */
    public static final String EVENT = "originchainStreamEvent";

    private final StreamSupervisor supervisor;

    public PgLogicalComponent(StreamSupervisor supervisor) {
        this.supervisor = supervisor;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        return new PgLogicalEndpoint(uri, this);
    }

    final class PgLogicalEndpoint extends DefaultEndpoint {

        PgLogicalEndpoint(String uri, PgLogicalComponent component) {
            super(uri, component);
        }

        @Override
        public Producer createProducer() {
            throw new UnsupportedOperationException("pg-logical is a consumer endpoint only");
        }

        @Override
        public Consumer createConsumer(Processor processor) {
            return new StreamConsumer(this, processor);
        }
    }

    /** What a runner delivers through. */
    public final class StreamConsumer extends DefaultConsumer {

        StreamConsumer(Endpoint endpoint, Processor processor) {
            super(endpoint, processor);
        }

        /** Runs the route on one exchange in the caller's thread; throws what the route threw. */
        void deliver(String event, StreamSession session, Object body) throws Exception {
            Exchange exchange = createExchange(false);
            try {
                exchange.getMessage().setHeader(EVENT, event);
                exchange.setProperty(ChangeApplier.SESSION, session);
                exchange.getMessage().setBody(body);
                getProcessor().process(exchange);
                Exception failed = exchange.getException();
                if (failed != null) {
                    for (Throwable t = failed; t != null && t.getCause() != t; t = t.getCause()) {
                        if (t instanceof ai.originchain.ingest.failure.SyncFailure failure) {
                            throw failure;
                        }
                    }
                    throw failed;
                }
            } finally {
                releaseExchange(exchange, false);
            }
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            supervisor.attach(this);
        }

        @Override
        protected void doStop() throws Exception {
            supervisor.detach(this);
            super.doStop();
        }
    }
}
