package ai.originchain.ingest.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.egress.EgressPolicy;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.support.WebhookReceiver;

/**
 * The webhook's HTTP client as camel-http builds it (the connection manager and the configurer of
 * {@link WebhookConnections}) against the real test receiver: addresses pinned per host and port, a
 * bounded number of pins that expire, and a receiver's answer read within bounds of size and time.
 */
class WebhookConnectionsTest {

    private static final WebhookReceiver receiver = WebhookReceiver.get();
    private static IngestProperties properties;
    private static WebhookConnections connections;
    private static CloseableHttpClient client;

    @BeforeAll
    static void client() throws Exception {
        properties = new IngestProperties();
        properties.getSource().setDeniedNetworks(List.of(TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK.split(",")));
        properties.getWebhooks().setTrustPem(WebhookReceiver.ca().caPem());
        properties.getWebhooks().setConnectTimeout(Duration.ofSeconds(2));
        properties.getWebhooks().setResponseTimeout(Duration.ofSeconds(2));
        connections = new WebhookConnections(properties);
        HttpClientBuilder builder = HttpClients.custom().setConnectionManager(connections.webhookConnectionManager());
        connections.webhookHttpClientConfigurer().configureHttpClient(builder);
        client = builder.build();
    }

    @AfterAll
    static void close() throws IOException {
        client.close();
        connections.destroy();
    }

    private static int post(String url) throws IOException {
        HttpPost post = new HttpPost(url);
        post.setEntity(new StringEntity("{}", ContentType.APPLICATION_JSON));
        return client.execute(post, response -> response.getCode());
    }

    private static void pin(String url) {
        URI uri = URI.create(url);
        connections.pin(new EgressPolicy(properties).check("webhook.url", uri.getHost(), uri.getPort()));
    }

    private static WebhookReceiver.Sent firstSent(String path) {
        return await().atMost(Duration.ofSeconds(20)).until(
                () -> receiver.sent(path).isEmpty() ? null : receiver.sent(path).get(0), sent -> sent != null);
    }

    @Test
    void anEndpointResolvesOnlyToTheAddressesCheckedForItsOwnPort() throws Exception {
        String url = receiver.url("/pins/checked");
        URI uri = URI.create(url);
        String otherPort = "https://localhost:" + (uri.getPort() + 1) + "/pins/checked";
        pin(url);

        assertThat(post(url)).isEqualTo(204);
        // Same host, another port: the check of the first port is no pass for it.
        UnknownHostException unchecked = catchThrowableOfType(UnknownHostException.class, () -> post(otherPort));
        assertThat(unchecked).isNotNull();
        assertThat(connections.pinned("localhost", uri.getPort() + 1)).isNull();
        assertThat(connections.pinned("LOCALHOST", uri.getPort())).isNotEmpty();
    }

    @Test
    void pinsAreBoundedInNumberAndExpireAfterTheLongestDelivery() {
        WebhookConnections many = new WebhookConnections(properties);
        List<InetAddress> loopback = List.of(InetAddress.getLoopbackAddress());
        for (int i = 1; i <= WebhookConnections.MAX_PINS * 2; i++) {
            many.pin(new CheckedEndpoint("hooks-" + i + ".example.com", 443, loopback));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> many.pinCount() <= WebhookConnections.MAX_PINS);
        assertThat(many.pinned("hooks-" + WebhookConnections.MAX_PINS * 2 + ".example.com", 443)).isEqualTo(loopback);
        // 5 attempts of 4 s, the delays 2+4+8+16 s between them, and a minute to spare.
        assertThat(many.pinLifetime()).isEqualTo(Duration.ofSeconds(5 * 4 + 30 + 60));
        many.destroy();
    }

    @Test
    void aHugeOrEndlessAnswerIsReadOnlyAFewKilobytesAndItsConnectionClosed() throws Exception {
        for (WebhookReceiver.Body body : List.of(WebhookReceiver.Body.HUGE, WebhookReceiver.Body.ENDLESS_GZIP, WebhookReceiver.Body.ENDLESS)) {
            String path = "/bounded/" + body.name().toLowerCase();
            receiver.answerWith(path, 200, body, 1);
            String url = receiver.url(path);
            pin(url);

            assertThat(post(url)).as(body.name()).isEqualTo(200);

            WebhookReceiver.Sent sent = firstSent(path);
            assertThat(sent.cutShort()).as(body.name()).isTrue();
            assertThat(sent.bytes()).as(body.name()).isLessThan(WebhookReceiver.HUGE_BYTES / 4);
        }
    }

    @Test
    void anAnswerTricklingInIsCutAtTheAttemptsDeadline() {
        String path = "/bounded/slow";
        receiver.answerWith(path, 200, WebhookReceiver.Body.SLOW, 1);
        String url = receiver.url(path);
        pin(url);

        long started = System.nanoTime();
        IOException cut = catchThrowableOfType(IOException.class, () -> post(url));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(cut).isNotNull();
        // The deadline is connect + response timeouts (4 s); a byte every 100 ms never trips the read timeout.
        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(firstSent(path).cutShort()).isTrue();
    }
}
