package ai.originchain.ingest.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.support.WebhookReceiver;
import ai.originchain.ingest.webhook.RunWebhooks;

/**
 * The completion webhook over HTTP: the final report POSTed to a local HTTPS receiver, signed with
 * the tenant's secret (checked here), without holding up the sync's answer; retried after a 500;
 * the outcome in the run's report; http:// refused (400) and a host the egress policy refuses (422).
 */
class RunWebhookTest extends ConnectorTest {

    private static final int ROWS = 50;
    private static final WebhookReceiver receiver = WebhookReceiver.get();

    @BeforeAll
    static void sourceTable() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.webhook_small",
                "CREATE TABLE public.webhook_small (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.webhook_small SELECT g, 'row ' || g FROM generate_series(1, " + ROWS + ") g",
                "GRANT SELECT ON public.webhook_small TO readonly");
    }

    private Map<String, Object> manifest(String target, String webhookUrl) {
        Map<String, Object> manifest = new HashMap<>();
        manifest.put("source", tlsSource("require"));
        manifest.put("mappings", List.of(mapping("public.webhook_small", target, List.of("id"), null)));
        manifest.put("webhook", Map.of("url", webhookUrl));
        return manifest;
    }

    @Test
    void theFinalReportIsDeliveredSignedWithoutHoldingUpTheAnswer(CapturedOutput output) throws Exception {
        String path = "/hooks/delivered";
        CountDownLatch release = receiver.hold(path);

        Response answer = post("acme", ACME_TOKEN, manifest("webhook_delivered", receiver.url(path) + "?token=receiver-own-token"));

        // The sync answered while the receiver still holds the delivery.
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        String syncId = answer.json().get("sync_id").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received(path).size() == 1);
        assertThat(run(syncId).get("webhook").get("status").asText()).isEqualTo("pending");
        release.countDown();

        JsonNode outcome = await().atMost(Duration.ofSeconds(20)).until(() -> run(syncId).get("webhook"),
                webhook -> webhook != null && webhook.get("status").asText().equals("delivered"));
        assertThat(outcome.get("attempts").asInt()).isEqualTo(1);
        assertThat(outcome.get("http_status").asInt()).isEqualTo(204);

        WebhookReceiver.Received delivery = receiver.received(path).get(0);
        String timestamp = delivery.header(RunWebhooks.TIMESTAMP);
        assertThat(Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp))).isLessThan(120);
        assertThat(delivery.header(RunWebhooks.SIGNATURE))
                .isEqualTo("sha256=" + hmac(WebhookReceiver.ACME_SECRET, timestamp + "." + new String(delivery.body(), StandardCharsets.UTF_8)));
        assertThat(delivery.header("Content-Type")).startsWith("application/json");
        // Nothing of the caller's request goes out: no bearer token.
        assertThat(delivery.header("Authorization")).isNull();
        JsonNode report = json.readTree(delivery.body());
        assertThat(report.get("sync_id").asText()).isEqualTo(syncId);
        assertThat(report.get("status").asText()).isEqualTo("succeeded");
        assertThat(report.get("mappings").get(0).get("rows_written").asInt()).isEqualTo(ROWS);
        String body = new String(delivery.body(), StandardCharsets.UTF_8);
        assertThat(body).doesNotContain(TestDatabases.SOURCE_PASSWORD);
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD).doesNotContain("receiver-own-token");
    }

    @Test
    void aDeliveryAnswered500IsRetriedAndThenDelivered() throws Exception {
        String path = "/hooks/retried";
        receiver.answer(path, 500);

        Response answer = post("acme", ACME_TOKEN, manifest("webhook_retried", receiver.url(path)));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        String syncId = answer.json().get("sync_id").asText();
        JsonNode outcome = await().atMost(Duration.ofSeconds(20)).until(() -> run(syncId).get("webhook"),
                webhook -> webhook != null && webhook.get("status").asText().equals("delivered"));
        assertThat(outcome.get("attempts").asInt()).isEqualTo(2);
        assertThat(receiver.received(path)).hasSize(2);
        // Both attempts carried the same, valid signature over the same body.
        for (WebhookReceiver.Received delivery : receiver.received(path)) {
            String timestamp = delivery.header(RunWebhooks.TIMESTAMP);
            assertThat(delivery.header(RunWebhooks.SIGNATURE)).isEqualTo(
                    "sha256=" + hmac(WebhookReceiver.ACME_SECRET, timestamp + "." + new String(delivery.body(), StandardCharsets.UTF_8)));
        }
    }

    @Test
    void aPlaintextWebhookIsRefusedWith400() {
        Response answer = post("acme", ACME_TOKEN, manifest("webhook_plain", "http://localhost:9/hook"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.json().get("errors").get(0).get("field").asText()).isEqualTo("webhook.url");
    }

    @Test
    void aWebhookHostTheEgressPolicyRefusesIs422BeforeTheSyncStarts() {
        Response answer = post("acme", ACME_TOKEN, manifest("webhook_refused", "https://169.254.169.254/latest/hook"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().get("errors").get(0).get("field").asText()).isEqualTo("webhook.url");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'acme' AND tablename = 'webhook_refused'"))
                .isEqualTo("0");
    }

    @Test
    void aWebhookAtACloudMetadataEndpointIs422WhateverTheDeniedNetworksSay() {
        for (String url : List.of("https://100.100.100.200/hook", "https://[fd00:ec2::254]/latest/hook", "https://[fd00:ec2::23]:8443/hook")) {
            Response answer = post("acme", ACME_TOKEN, manifest("webhook_metadata", url));

            assertThat(answer.status()).as(url + ": " + answer.body()).isEqualTo(422);
            assertThat(answer.json().get("errors").get(0).get("field").asText()).isEqualTo("webhook.url");
        }
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'acme' AND tablename = 'webhook_metadata'"))
                .isEqualTo("0");
    }

    private JsonNode run(String syncId) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/tenants/acme/ingest/postgres/syncs/" + syncId))
                .header("Authorization", "Bearer " + ACME_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static String hmac(String secret, String text) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
