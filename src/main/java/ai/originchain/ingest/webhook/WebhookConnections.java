package ai.originchain.ingest.webhook;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import javax.net.ssl.SSLContext;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.util.Timeout;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.source.PemTrust;

/**
 * The connections of camel-http's webhook deliveries (routes/run-webhook.yaml): TLS against
 * {@code originchain.webhooks.trust-pem} (else the JVM's trust store), host names checked, and a
 * host and port resolved only to the addresses the egress policy checked for that very endpoint
 * ({@link #pin}); an endpoint nobody checked, or whose pin expired, does not resolve at all. Pins
 * are bounded in number and live as long as a whole delivery with its retries may take. The
 * receiver's answer is bounded: status line and headers ({@link #MAX_HEADER_LINE},
 * {@link #MAX_HEADERS}), body ({@link BoundedResponses}), time.
 */
@Configuration
public class WebhookConnections implements DisposableBean {

    /** Endpoints pinned at once; beyond, the least recently pinned go first (their delivery then fails). */
    static final int MAX_PINS = 4096;
    /** Bytes of a receiver's answer body read (and dropped); a longer body closes the connection. */
    static final int MAX_RESPONSE_BODY = 8 * 1024;
    static final int MAX_HEADER_LINE = 8 * 1024;
    static final int MAX_HEADERS = 100;

    private record Endpoint(String host, int port) {
        static Endpoint of(String host, int port) {
            String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return new Endpoint(name.toLowerCase(Locale.ROOT), port);
        }
    }

    private final IngestProperties.Webhooks webhooks;
    private final Cache<Endpoint, List<InetAddress>> pins;
    /** Closes an attempt's connection at its deadline. Not a bean: an Executor bean would displace Spring's own. */
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "webhook-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    public WebhookConnections(IngestProperties properties) {
        this.webhooks = properties.getWebhooks();
        this.pins = Caffeine.newBuilder().maximumSize(MAX_PINS).expireAfterWrite(longestDelivery(webhooks)).build();
    }

    @Override
    public void destroy() {
        deadlines.shutdownNow();
    }

    /** The addresses a delivery to {@code endpoint}'s host and port may connect to. */
    public void pin(CheckedEndpoint endpoint) {
        pins.put(Endpoint.of(endpoint.host(), endpoint.port()), List.copyOf(endpoint.addresses()));
    }

    /** The addresses pinned for {@code host:port}, or null. */
    List<InetAddress> pinned(String host, int port) {
        return pins.getIfPresent(Endpoint.of(host, port));
    }

    long pinCount() {
        pins.cleanUp();
        return pins.estimatedSize();
    }

    Duration pinLifetime() {
        return pins.policy().expireAfterWrite().orElseThrow().getExpiresAfter();
    }

    /** Every attempt at its deadline, and every retry delay (doubling) between them. */
    static Duration longestDelivery(IngestProperties.Webhooks webhooks) {
        int retries = Math.max(0, webhooks.getRetries());
        Duration attempts = attemptDeadline(webhooks).multipliedBy(retries + 1L);
        Duration delays = Duration.ofMillis(webhooks.getRetryDelayMs()).multipliedBy((1L << Math.min(retries, 30)) - 1);
        return attempts.plus(delays).plusMinutes(1);
    }

    /** How long one attempt may take in all: connecting, then the receiver's answer. */
    static Duration attemptDeadline(IngestProperties.Webhooks webhooks) {
        return webhooks.getConnectTimeout().plus(webhooks.getResponseTimeout());
    }

    /** camel-http's client for deliveries: no content decompression, the answer bounded. */
    @Bean("webhookHttpClientConfigurer")
    HttpClientConfigurer webhookHttpClientConfigurer() {
        BoundedResponses bounded = new BoundedResponses(MAX_RESPONSE_BODY, attemptDeadline(webhooks), deadlines);
        return builder -> builder.disableContentCompression().addExecInterceptorFirst("originchain-bounded-response", bounded);
    }

    @Bean("webhookConnectionManager")
    HttpClientConnectionManager webhookConnectionManager() throws GeneralSecurityException {
        String pem = webhooks.getTrustPem() == null || webhooks.getTrustPem().isBlank() ? null : webhooks.getTrustPem();
        SSLContext tls = PemTrust.verifying(pem);
        DnsResolver onlyPinned = new DnsResolver() {
            @Override
            public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
                List<InetAddress> addresses = pinned(host, port);
                if (addresses == null) {
                    throw new UnknownHostException("this endpoint was not checked by the egress policy");
                }
                return addresses.stream().map(address -> new InetSocketAddress(address, port)).toList();
            }

            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                throw new UnknownHostException("a webhook endpoint resolves with its port only");
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(ClientTlsStrategyBuilder.create().setSslContext(tls).buildClassic())
                .setDnsResolver(onlyPinned)
                .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                        .http1Config(Http1Config.custom().setMaxLineLength(MAX_HEADER_LINE).setMaxHeaderCount(MAX_HEADERS).build())
                        .build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.ofMilliseconds(webhooks.getConnectTimeout().toMillis()))
                        .setSocketTimeout(Timeout.ofMilliseconds(webhooks.getResponseTimeout().toMillis()))
                        .build())
                .setMaxConnTotal(20)
                .setMaxConnPerRoute(4)
                .build();
    }
}
