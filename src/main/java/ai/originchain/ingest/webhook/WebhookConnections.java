package ai.originchain.ingest.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.util.Timeout;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.source.PemTrust;

/**
 * The connections of camel-http's webhook deliveries (routes/run-webhook.yaml): TLS against
 * {@code originchain.webhooks.trust-pem} (else the JVM's trust store), host names checked, and a
 * host resolved only to the addresses the egress policy checked for it ({@link #pin}); a host
 * nobody checked does not resolve at all.
 */
@Configuration
public class WebhookConnections {

    private final Map<String, List<InetAddress>> checked = new ConcurrentHashMap<>();

    /** The addresses a delivery to {@code endpoint}'s host may connect to. */
    public void pin(CheckedEndpoint endpoint) {
        checked.put(endpoint.host(), endpoint.addresses());
    }

    @Bean("webhookConnectionManager")
    HttpClientConnectionManager webhookConnectionManager(IngestProperties properties) throws GeneralSecurityException {
        IngestProperties.Webhooks webhooks = properties.getWebhooks();
        String pem = webhooks.getTrustPem() == null || webhooks.getTrustPem().isBlank() ? null : webhooks.getTrustPem();
        SSLContext tls = PemTrust.verifying(pem);
        DnsResolver onlyChecked = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                List<InetAddress> addresses = checked.get(host);
                if (addresses == null) {
                    throw new UnknownHostException(host + " was not checked by the egress policy");
                }
                return addresses.toArray(InetAddress[]::new);
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(ClientTlsStrategyBuilder.create().setSslContext(tls).buildClassic())
                .setDnsResolver(onlyChecked)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.ofMilliseconds(webhooks.getConnectTimeout().toMillis()))
                        .setSocketTimeout(Timeout.ofMilliseconds(webhooks.getResponseTimeout().toMillis()))
                        .build())
                .setMaxConnTotal(20)
                .setMaxConnPerRoute(4)
                .build();
    }
}
