package ai.originchain.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import ai.originchain.ingest.IngestProperties;

class RequestGuardTest {

    private final RequestGuard guard;

    RequestGuardTest() {
        IngestProperties properties = new IngestProperties();
        properties.getApi().setMaxBodyBytes(10);
        guard = new RequestGuard(properties);
    }

    private static Exchange exchange(String contentType, byte[] body) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, contentType);
        exchange.getMessage().setBody(new ByteArrayInputStream(body));
        return exchange;
    }

    @Test
    void passesJsonWithinTheLimit() throws Exception {
        assertThat(guard.check(exchange("application/json; charset=utf-8", "{}".getBytes()))).containsExactly('{', '}');
    }

    @Test
    void refusesOtherMediaTypesWith415() {
        for (String type : new String[] {null, "text/plain", "application/x-www-form-urlencoded"}) {
            ApiProblem problem = catchThrowableOfType(ApiProblem.class, () -> guard.check(exchange(type, "{}".getBytes())));
            assertThat(problem.status()).isEqualTo(415);
        }
    }

    @Test
    void refusesBodiesOverTheLimitWith413() {
        ApiProblem problem = catchThrowableOfType(ApiProblem.class,
                () -> guard.check(exchange("application/json", "{\"a\": \"0123456789\"}".getBytes())));
        assertThat(problem.status()).isEqualTo(413);
    }
}
