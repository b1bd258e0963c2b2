package ai.originchain.ingest.api;

import java.io.IOException;
import java.io.InputStream;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;

/** Refuses bodies that are not JSON (415) or larger than the configured limit (413) before parsing. */
@Component("requestGuard")
public class RequestGuard {

    private final long maxBodyBytes;

    public RequestGuard(IngestProperties properties) {
        this.maxBodyBytes = properties.getApi().getMaxBodyBytes();
    }

    public byte[] check(Exchange exchange) throws IOException {
        String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (!isJson(contentType)) {
            throw ApiProblem.unsupportedMediaType(contentType);
        }
        Long declared = exchange.getMessage().getHeader("Content-Length", Long.class);
        if (declared != null && declared > maxBodyBytes) {
            throw ApiProblem.payloadTooLarge(maxBodyBytes);
        }
        Object body = exchange.getMessage().getBody();
        byte[] bytes;
        if (body instanceof InputStream in) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        } else {
            bytes = body == null ? new byte[0] : exchange.getMessage().getBody(byte[].class);
        }
        if (bytes != null && bytes.length > maxBodyBytes) {
            throw ApiProblem.payloadTooLarge(maxBodyBytes);
        }
        return bytes;
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return mediaType.equals("application/json") || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
    }
}
