package ai.originchain.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class ProblemResponderTest {

    private final ObjectMapper json = new ObjectMapper();
    private final ProblemResponder responder = new ProblemResponder(json);

    private Exchange failedWith(Throwable error) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader("Authorization", "Bearer secret-token");
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, error);
        return exchange;
    }

    @Test
    void writesAnRfc9457ProblemNamingTheField() throws Exception {
        Exchange exchange = failedWith(new RuntimeException("wrapped", ai.originchain.ingest.failure.SyncFailure.invalid("mappings[0].columns[2]", "unknown")));
        responder.respond(exchange);

        JsonNode body = json.readTree(exchange.getMessage().getBody(String.class));
        assertThat(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(exchange.getMessage().getHeader(Exchange.CONTENT_TYPE)).isEqualTo("application/problem+json");
        assertThat(exchange.getMessage().getHeader("Authorization")).isNull();
        assertThat(body.get("status").asInt()).isEqualTo(400);
        assertThat(body.get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].columns[2]");
    }

    @Test
    void anUnexpectedErrorIsA500WithoutItsMessage() throws Exception {
        Exchange exchange = failedWith(new IllegalStateException("password=hunter2"));
        responder.respond(exchange);

        String body = exchange.getMessage().getBody(String.class);
        assertThat(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(500);
        assertThat(body).doesNotContain("hunter2").doesNotContain("IllegalStateException");
    }

    @Test
    void a401CarriesTheBearerChallenge() throws Exception {
        Exchange exchange = failedWith(ApiProblem.unauthorized("no token"));
        responder.respond(exchange);
        assertThat(exchange.getMessage().getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    }
}
