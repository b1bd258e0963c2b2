package ai.originchain.ingest.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.egress.EgressPolicy;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.SyncManifest;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;
import ai.originchain.ingest.sync.WebhookSpec;

/**
 * The completion webhook's steps (routes/run-webhook.yaml): checked when the sync is asked for,
 * then, once the run has ended, its final report signed and handed to camel-http, and the outcome
 * of the delivery written to the run.
 *
 * <p>Signature: {@code X-OriginChain-Signature: sha256=<hex>}, the HMAC-SHA256 under the tenant's
 * {@code originchain.tenants.<tenant>.webhook-secret} of {@code <X-OriginChain-Timestamp>.<body>},
 * the timestamp in Unix seconds and the body the exact bytes sent. The URL is never logged or
 * recorded (it may carry a token of the receiver's).
 */
@Component("runWebhooks")
public class RunWebhooks {

    private static final Logger log = LoggerFactory.getLogger(RunWebhooks.class);
    public static final String SIGNATURE = "X-OriginChain-Signature";
    public static final String TIMESTAMP = "X-OriginChain-Timestamp";
    public static final String SYNC_ID = "X-OriginChain-Sync-Id";
    /** Exchange property: the report was handed to camel-http at least once. */
    static final String SENT = "originchainWebhookSent";

    private final EgressPolicy egress;
    private final WebhookConnections connections;
    private final IngestProperties properties;
    private final ObjectMapper json;

    public RunWebhooks(EgressPolicy egress, WebhookConnections connections, IngestProperties properties, ObjectMapper json) {
        this.egress = egress;
        this.connections = connections;
        this.properties = properties;
        this.json = json;
    }

    /**
     * Before the sync starts: a webhook needs the tenant's secret, and its host must pass the egress
     * policy (422 on {@code webhook.url}). Nothing is sent now.
     */
    public void check(@Body SyncManifest manifest, @Header("tenant") String tenant) {
        WebhookSpec webhook = manifest.webhook();
        if (webhook == null) {
            return;
        }
        try {
            if (secret(tenant) == null) {
                throw SyncFailure.mismatch("webhook", "tenant " + tenant + " has no webhook secret; ask the operator to set "
                        + "originchain.tenants." + tenant + ".webhook-secret");
            }
            endpoint(webhook);
        } catch (SyncFailure refused) {
            if (manifest.source() != null) {
                manifest.source().wipePassword();
            }
            throw refused;
        }
    }

    /** Whether the ended run has a webhook to call. */
    public boolean wanted(@ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        return run != null && run.manifest().webhook() != null;
    }

    /**
     * The request camel-http sends: the report (without its webhook field) as the body, the
     * signature headers, the URL in {@code CamelHttpUri}; no other header of the exchange goes out.
     */
    public void prepare(@ExchangeProperty(SyncSteps.RUN) SyncRun run, Exchange exchange)
            throws JsonProcessingException, GeneralSecurityException {
        WebhookSpec webhook = run.manifest().webhook();
        String secret = secret(run.tenant());
        if (secret == null) {
            throw SyncFailure.mismatch("webhook", "the tenant has no webhook secret");
        }
        SyncSteps.logContext(run);
        try {
            connections.pin(endpoint(webhook));
        } finally {
            SyncSteps.clearLogContext();
        }
        Map<String, Object> report = new LinkedHashMap<>(run.report());
        report.remove("webhook");
        byte[] body = json.writeValueAsBytes(report);
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setBody(body);
        exchange.getMessage().setHeader(Exchange.HTTP_URI, webhook.url());
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setHeader(TIMESTAMP, timestamp);
        exchange.getMessage().setHeader(SIGNATURE, "sha256=" + sign(secret, timestamp, body));
        exchange.getMessage().setHeader(SYNC_ID, run.id());
        exchange.getMessage().setHeader("User-Agent", "originchain-ingest");
        // Whatever Content-Encoding the receiver claims, its answer is never inflated.
        exchange.setProperty(Exchange.SKIP_GZIP_ENCODING, true);
        exchange.setProperty(SENT, true);
    }

    /** HMAC-SHA256 of {@code timestamp + "." + body} under {@code secret}, as lowercase hex. */
    public static String sign(String secret, String timestamp, byte[] body) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) '.');
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    /** The receiver answered 2xx: the outcome, as parameters of the history update. */
    public Map<String, Object> delivered(@ExchangeProperty(SyncSteps.RUN) SyncRun run, Exchange exchange)
            throws JsonProcessingException {
        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("status", "delivered");
        outcome.put("attempts", attempts(exchange));
        outcome.put("http_status", exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class));
        outcome.put("finished_at", Instant.now().toString());
        SyncSteps.logContext(run);
        log.info("sync {} of tenant {}: webhook delivered to {} (HTTP {}, {} attempt(s))", run.id(), run.tenant(),
                run.manifest().webhook().host(), outcome.get("http_status"), outcome.get("attempts"));
        SyncSteps.clearLogContext();
        return record(run, outcome);
    }

    /**
     * Every attempt failed, or the delivery was refused before any: the outcome, as parameters of the
     * history update. The run records only {@code failed}, the attempts and when: nothing that would
     * tell one network failure from another (the API would map the network); the log says why.
     */
    public Map<String, Object> failed(@ExchangeProperty(SyncSteps.RUN) SyncRun run, Exchange exchange)
            throws JsonProcessingException {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("status", "failed");
        outcome.put("attempts", attempts(exchange));
        outcome.put("finished_at", Instant.now().toString());
        SyncSteps.logContext(run);
        log.warn("sync {} of tenant {}: webhook to {} failed after {} attempt(s): {}", run.id(), run.tenant(),
                run.manifest().webhook().host(), outcome.get("attempts"), why(cause));
        SyncSteps.clearLogContext();
        return record(run, outcome);
    }

    /** For the log only: the receiver's status, the refusal, or the kind of network failure; never the URL. */
    private static String why(Exception cause) {
        if (cause instanceof HttpOperationFailedException http) {
            return "the receiver answered HTTP " + http.getStatusCode();
        }
        if (cause instanceof SyncFailure refused) {
            return refused.getMessage();
        }
        return cause == null ? "unknown" : cause.getClass().getName();
    }

    private Map<String, Object> record(SyncRun run, Map<String, Object> outcome) throws JsonProcessingException {
        run.webhookOutcome(outcome);
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("sync_id", run.id());
        parameters.put("tenant", run.tenant());
        parameters.put("outcome", json.writeValueAsString(outcome));
        return parameters;
    }

    private static int attempts(Exchange exchange) {
        if (!Boolean.TRUE.equals(exchange.getProperty(SENT, Boolean.class))) {
            return 0;
        }
        return 1 + DeliveryAttempts.redeliveries(exchange);
    }

    private CheckedEndpoint endpoint(WebhookSpec webhook) {
        try {
            return egress.check("webhook.url", webhook.host(), webhook.port());
        } catch (SyncFailure failure) {
            if (failure.kind() == SyncFailure.Kind.SOURCE_FAILED) {
                throw SyncFailure.mismatch("webhook.url", "the host name does not resolve");
            }
            throw failure;
        }
    }

    private String secret(String tenant) {
        IngestProperties.Tenant config = properties.getTenants().get(tenant);
        String secret = config == null ? null : config.getWebhookSecret();
        return secret == null || secret.isBlank() ? null : secret;
    }
}
