package ai.originchain.ingest.webhook;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Counts a webhook delivery's attempts on its exchange: routes/run-webhook.yaml calls it before each
 * redelivery (Camel's own redelivery header is gone by the time the failure is handled).
 */
@Component("webhookRedelivery")
public class DeliveryAttempts implements Processor {

    static final String REDELIVERIES = "originchainWebhookRedeliveries";

    @Override
    public void process(Exchange exchange) {
        exchange.setProperty(REDELIVERIES, redeliveries(exchange) + 1);
    }

    static int redeliveries(Exchange exchange) {
        Integer count = exchange.getProperty(REDELIVERIES, Integer.class);
        return count == null ? 0 : count;
    }
}
