package ai.originchain.ingest.api;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.ResponseHeaderDefinition;
import org.apache.camel.model.rest.ResponseMessageDefinition;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.apache.camel.openapi.OpenApiRestApiProcessorFactory;
import org.apache.camel.spi.RestApiProcessorFactory;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Serves {@code /v1/openapi.json}: the document camel-openapi-java generates from the REST DSL,
 * completed with what its generator (4.17) drops, taken from the same REST DSL:
 * <ul>
 * <li>each response's body under the media type its {@code responseMessage} names ({@code contentType});
 * the generator puts every body under the verb's {@code produces}, so a problem would read as
 * {@code application/json} instead of {@code application/problem+json};</li>
 * <li>the type of each response header ({@code dataType}), which its OpenAPI 3.1 output loses;</li>
 * <li>null on a referenced schema marked {@value #NULLABLE};</li>
 * <li>a {@code default} of its schema's type: annotations and the REST DSL give every default as text,
 * so {@code 20} and {@code 0.5} would be served as {@code "20"} and {@code "0.5"}, which validators and
 * client generators reject.</li>
 * </ul>
 * Operations no REST verb can declare (the SQLite upload) are merged from {@value #HAND_WRITTEN_PATHS}.
 * Camel takes the one {@link RestApiProcessorFactory} in its registry for the API endpoint.
 */
@Component("openApiDocument")
public class OpenApiDocument implements RestApiProcessorFactory {

    /**
     * Marks a schema that may also be null where the generator cannot say so (a {@code $ref}: OpenAPI 3.1
     * output drops a null type on a referenced schema); served as {@code oneOf: [schema, {type: null}]}.
     */
    public static final String NULLABLE = "x-nullable";

    /** Operations the REST DSL cannot declare (the SQLite upload, a plain platform-http route). */
    static final String HAND_WRITTEN_PATHS = "openapi/paths.json";

    private final ObjectMapper json;
    private final JsonNode handWrittenPaths;

    public OpenApiDocument(ObjectMapper json) throws IOException {
        this.json = json;
        try (InputStream in = new ClassPathResource(HAND_WRITTEN_PATHS).getInputStream()) {
            this.handWrittenPaths = json.readTree(in).get("paths");
        }
    }

    @Override
    public Processor createApiProcessor(CamelContext camelContext, String contextPath, RestConfiguration configuration,
                                        Map<String, Object> parameters) throws Exception {
        Processor generated = new OpenApiRestApiProcessorFactory()
                .createApiProcessor(camelContext, contextPath, configuration, parameters);
        return new CompletedDocument(generated, camelContext);
    }

    /** The generated document completed (see above), in place. */
    JsonNode completed(JsonNode document, CamelContext camelContext) {
        Map<String, VerbDefinition> verbs = new HashMap<>();
        for (RestDefinition rest : camelContext.getCamelContextExtension().getContextPlugin(Model.class).getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                if (verb.getId() != null) {
                    verbs.put(verb.getId(), verb);
                }
            }
        }
        JsonNode paths = document.path("paths");
        for (JsonNode path : paths) {
            for (JsonNode operation : path) {
                VerbDefinition verb = verbs.get(operation.path("operationId").asText(null));
                if (verb == null || !operation.path("responses").isObject()) {
                    continue;
                }
                for (ResponseMessageDefinition message : verb.getResponseMsgs()) {
                    String mediaType = camelContext.resolvePropertyPlaceholders(message.getContentType());
                    JsonNode response = operation.path("responses").path(message.getCode());
                    List<ResponseHeaderDefinition> headers = message.getHeaders() == null ? List.of() : message.getHeaders();
                    for (ResponseHeaderDefinition header : headers) {
                        if (response.path("headers").path(header.getName()) instanceof ObjectNode declared
                                && header.getDataType() != null) {
                            String type = header.getDataType();
                            declared.putObject("schema").put("type", "int".equals(type) || "long".equals(type) ? "integer" : type);
                        }
                    }
                    if (mediaType == null || !(response.path("content") instanceof ObjectNode content) || content.isEmpty()) {
                        continue;
                    }
                    JsonNode body = content.elements().next();
                    content.removeAll();
                    content.set(mediaType, body);
                }
            }
        }
        nullable(document);
        typedDefaults(document);
        if (paths instanceof ObjectNode generated) {
            handWrittenPaths.fields().forEachRemaining(path -> {
                if (!generated.has(path.getKey())) {
                    generated.set(path.getKey(), path.getValue().deepCopy());
                }
            });
        }
        return document;
    }

    private void nullable(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.path(NULLABLE).asBoolean(false)) {
                object.remove(NULLABLE);
                ObjectNode schema = object.deepCopy();
                schema.remove("description");
                object.retain("description");
                object.putArray("oneOf").add(schema).addObject().put("type", "null");
            }
            object.forEach(this::nullable);
        } else if (node.isArray()) {
            node.forEach(this::nullable);
        }
    }

    private static void typedDefaults(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.get("default") instanceof TextNode text) {
                String type = object.path("type").asText("");
                try {
                    switch (type) {
                        case "integer" -> object.put("default", new BigInteger(text.asText()));
                        case "number" -> object.put("default", new BigDecimal(text.asText()));
                        case "boolean" -> object.put("default", Boolean.parseBoolean(text.asText()));
                        default -> { }
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("the default of a " + type + " schema is not one: " + text, e);
                }
            }
            object.forEach(OpenApiDocument::typedDefaults);
        } else if (node.isArray()) {
            node.forEach(OpenApiDocument::typedDefaults);
        }
    }

    private final class CompletedDocument extends ServiceSupport implements Processor, CamelContextAware {

        private final Processor generated;
        private CamelContext camelContext;

        CompletedDocument(Processor generated, CamelContext camelContext) {
            this.generated = generated;
            setCamelContext(camelContext);
        }

        @Override
        public void process(Exchange exchange) throws Exception {
            generated.process(exchange);
            byte[] body = exchange.getMessage().getBody(byte[].class);
            String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
            if (body == null || body.length == 0 || contentType == null || !contentType.contains("json")) {
                return;
            }
            JsonNode document = json.readTree(body);
            exchange.getMessage().setBody(json.writeValueAsString(completed(document, camelContext))
                    .getBytes(StandardCharsets.UTF_8));
            exchange.getMessage().removeHeader(Exchange.CONTENT_LENGTH);
        }

        @Override
        public CamelContext getCamelContext() {
            return camelContext;
        }

        @Override
        public void setCamelContext(CamelContext camelContext) {
            this.camelContext = camelContext;
            CamelContextAware.trySetCamelContext(generated, camelContext);
        }

        @Override
        protected void doInit() throws Exception {
            ServiceHelper.initService(generated);
        }

        @Override
        protected void doStart() throws Exception {
            ServiceHelper.startService(generated);
        }

        @Override
        protected void doStop() throws Exception {
            ServiceHelper.stopService(generated);
        }
    }
}
