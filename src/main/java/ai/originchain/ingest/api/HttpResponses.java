package ai.originchain.ingest.api;

import org.apache.camel.Exchange;

/** The response headers of the API; request headers are never echoed back. */
final class HttpResponses {

    private HttpResponses() {
    }

    static void prepare(Exchange exchange, int status, String contentType) {
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, contentType);
        exchange.getMessage().setHeader("Cache-Control", "no-store");
    }
}
