package ai.originchain.ingest.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.support.WebhookReceiver;

/**
 * A webhook receiver that fails, or answers with a hostile body: the run's report says
 * {@code failed}, the attempts and when, and nothing that tells one failure from another; the
 * service reads a few KiB of any answer, closes the connection on the rest and keeps serving.
 */
class WebhookFailureTest extends ConnectorTest {

    private static final WebhookReceiver receiver = WebhookReceiver.get();
    /** originchain.webhooks.retries (4) + 1. */
    private static final int ATTEMPTS = 5;

    @BeforeAll
    static void sourceTable() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.webhook_failure",
                "CREATE TABLE public.webhook_failure (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.webhook_failure SELECT g, 'row ' || g FROM generate_series(1, 10) g",
                "GRANT SELECT ON public.webhook_failure TO readonly");
    }

    private String sync(String target, String webhookUrl) {
        Map<String, Object> manifest = new HashMap<>();
        manifest.put("source", tlsSource("require"));
        manifest.put("mappings", List.of(mapping("public.webhook_failure", target, List.of("id"), null)));
        manifest.put("webhook", Map.of("url", webhookUrl));
        Response answer = post("acme", ACME_TOKEN, manifest);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().get("sync_id").asText();
    }

    private JsonNode outcome(String syncId, String status) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> run(syncId).get("webhook"),
                webhook -> webhook != null && webhook.get("status").asText().equals(status));
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aFailedDeliveryRecordsFailedItsAttemptsAndWhenAndNothingThatTellsFailuresApart(CapturedOutput output) throws Exception {
        String refusing = "/hooks/answers-500";
        receiver.answer(refusing, 500, 500, 500, 500, 500);
        int closedPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = free.getLocalPort();
        }
        List<JsonNode> outcomes = new ArrayList<>();
        try (NoTlsPeer noTls = new NoTlsPeer()) {
            List<String> urls = List.of(receiver.url(refusing) + "?token=receiver-own-token",
                    "https://localhost:" + closedPort + "/hooks/nothing-listens",
                    "https://localhost:" + noTls.port() + "/hooks/no-tls");
            List<String> syncIds = new ArrayList<>();
            for (int i = 0; i < urls.size(); i++) {
                syncIds.add(sync("webhook_failure_" + i, urls.get(i)));
            }
            for (String syncId : syncIds) {
                outcomes.add(outcome(syncId, "failed"));
            }
        }

        for (JsonNode outcome : outcomes) {
            assertThat(fields(outcome)).containsExactly("status", "attempts", "finished_at");
            assertThat(outcome.get("attempts").asInt()).isEqualTo(ATTEMPTS);
            assertThat(java.time.Instant.parse(outcome.get("finished_at").asText())).isBefore(java.time.Instant.now().plusSeconds(1));
        }
        assertThat(receiver.received(refusing)).hasSize(ATTEMPTS);
        // The service's log has the why, never the URL.
        assertThat(output.getAll()).contains("the receiver answered HTTP 500").doesNotContain("receiver-own-token");
    }

    @Test
    void hostileAnswersAreReadAFewKilobytesDeepAndTheServiceKeepsServing() throws Exception {
        String huge = "/hooks/huge";
        String gzip = "/hooks/endless-gzip";
        String endless = "/hooks/endless-500";
        receiver.answerWith(huge, 200, WebhookReceiver.Body.HUGE, 1);
        receiver.answerWith(gzip, 200, WebhookReceiver.Body.ENDLESS_GZIP, 1);
        receiver.answerWith(endless, 500, WebhookReceiver.Body.ENDLESS, ATTEMPTS);

        String hugeRun = sync("webhook_huge", receiver.url(huge));
        String gzipRun = sync("webhook_gzip", receiver.url(gzip));
        String endlessRun = sync("webhook_endless", receiver.url(endless));

        JsonNode delivered = outcome(hugeRun, "delivered");
        assertThat(delivered.get("http_status").asInt()).isEqualTo(200);
        assertThat(outcome(gzipRun, "delivered").get("attempts").asInt()).isEqualTo(1);
        JsonNode failed = outcome(endlessRun, "failed");
        assertThat(fields(failed)).containsExactly("status", "attempts", "finished_at");
        assertThat(failed.get("attempts").asInt()).isEqualTo(ATTEMPTS);

        // Every answer was cut short by the service: it closed the connection long before the body's end.
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.sent(endless).size() == ATTEMPTS);
        List<WebhookReceiver.Sent> sent = new ArrayList<>(receiver.sent(huge));
        sent.addAll(receiver.sent(gzip));
        sent.addAll(receiver.sent(endless));
        assertThat(sent).hasSize(ATTEMPTS + 2).allSatisfy(s -> {
            assertThat(s.cutShort()).isTrue();
            assertThat(s.bytes()).isLessThan(WebhookReceiver.HUGE_BYTES / 4);
        });

        // And it keeps serving: live, and another sync right after succeeds.
        HttpResponse<String> liveness = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/liveness"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(liveness.statusCode()).isEqualTo(200);
        Response after = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.webhook_failure", "webhook_after", List.of("id"), null))));
        assertThat(after.status()).as(after.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.webhook_after")).isEqualTo("10");
    }

    private JsonNode run(String syncId) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/postgres/syncs/" + syncId))
                .header("Authorization", "Bearer " + ACME_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    /** A TCP peer on loopback that accepts and answers every connection with a line of plain text, no TLS. */
    private static final class NoTlsPeer implements AutoCloseable {
        private final ServerSocket server;
        private final Thread acceptor;

        NoTlsPeer() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept()) {
                        socket.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    } catch (IOException closed) {
                        // the test is over, or the client went away first
                    }
                }
            }, "no-tls-peer");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
