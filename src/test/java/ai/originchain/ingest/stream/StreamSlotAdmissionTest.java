package ai.originchain.ingest.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.StreamSource;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.SyncAdmission;

/**
 * A stream whose initial copy cannot be admitted (its tenant runs as many syncs as it may) makes no
 * replication slot at the source, poll after poll, and says it waits; once a sync slot is free it
 * copies and streams.
 */
class StreamSlotAdmissionTest extends ConnectorTest {

    private static final StreamSource src = StreamSource.get();

    @Autowired
    SyncAdmission admission;
    @Autowired
    CamelContext camel;

    private final List<Exchange> held = new ArrayList<>();

    private JsonNode send(String method, Object body, int expected) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/v1/tenants/acme/ingest/postgres/streams/slotwait"))
                .header("Authorization", "Bearer " + ACME_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
        return json.readTree(r.body());
    }

    private static String slotsNamed(String slot) {
        return TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", slot);
    }

    /** Takes acme's sync slots, as uploads being written hold them, until the next one is refused. */
    private void fillAcmesSyncSlots() {
        for (int i = 0; i < 64; i++) {
            Exchange exchange = new DefaultExchange(camel);
            try {
                admission.reserve("acme", exchange);
            } catch (SyncFailure refused) {
                assertThat(refused.kind()).isEqualTo(SyncFailure.Kind.LIMIT_REACHED);
                return;
            }
            held.add(exchange);
        }
        throw new AssertionError("acme's sync limit was never reached");
    }

    private void freeAcmesSyncSlots() {
        held.forEach(admission::unreserve);
        held.clear();
    }

    @AfterEach
    void removeTheStream() {
        freeAcmesSyncSlots();
        String ours = "SELECT stream_id FROM originchain.streams WHERE tenant = 'acme' AND stream = 'slotwait'";
        List<String> slots = TestDatabases.query(target(), "SELECT slot FROM originchain.streams WHERE tenant = 'acme' "
                + "AND stream = 'slotwait'").stream().map(r -> r.get(0)).toList();
        TestDatabases.execute(target(), "DELETE FROM originchain.stream_positions WHERE stream_id IN (" + ours + ")",
                "DELETE FROM originchain.streams WHERE stream_id IN (" + ours + ")");
        for (String slot : slots) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "0".equals(TestDatabases.single(src.admin(),
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active", slot)));
            TestDatabases.query(src.admin(), "SELECT pg_drop_replication_slot(slot_name)::text FROM pg_replication_slots "
                    + "WHERE slot_name = ?", slot);
        }
        TestDatabases.execute(src.admin(), "DROP PUBLICATION IF EXISTS originchain_acme_slotwait");
    }

    @Test
    void aCopyThatWaitsForASyncSlotMakesNoSlotAtTheSourceAndStartsOnceOneIsFree() throws Exception {
        TestDatabases.execute(src.asStreamer(), "DROP TABLE IF EXISTS public.slotwait_items",
                "CREATE TABLE public.slotwait_items (id int PRIMARY KEY, label text)",
                "INSERT INTO public.slotwait_items SELECT g, 'item ' || g FROM generate_series(1, 20) g");
        Map<String, Object> source = new LinkedHashMap<>(src.sourceBlock(StreamSource.USER));
        Map<String, Object> body = Map.of("source", source,
                "mappings", List.of(mapping("public.slotwait_items", "slotwait_items", List.of("id"), null)));

        fillAcmesSyncSlots();
        String slot = send("PUT", body, 201).get("slot").asText();

        // Several polls (1 s each in tests): no slot is made and dropped again; the stream says it waits.
        await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10))
                .until(() -> send("GET", null, 200).get("error").path("kind").asText().equals("waiting"));
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
            assertThat(slotsNamed(slot)).as("no slot at the source while the copy waits").isEqualTo("0");
            JsonNode stream = send("GET", null, 200);
            assertThat(stream.get("status").asText()).isEqualTo("snapshotting");
            assertThat(stream.get("error").get("detail").asText()).contains("waits for a free sync slot")
                    .doesNotContain("ghost").doesNotContain("globex");
        });
        assertThat(tableExists(target(), "acme.slotwait_items")).as("nothing copied yet").isFalse();

        freeAcmesSyncSlots();
        await().atMost(Duration.ofSeconds(60)).until(() -> "streaming".equals(send("GET", null, 200).get("status").asText()));
        assertThat(send("GET", null, 200).get("error").isNull()).as("the wait is no longer reported").isTrue();
        assertThat(slotsNamed(slot)).isEqualTo("1");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.slotwait_items")).isEqualTo("20");

        TestDatabases.execute(src.asStreamer(), "INSERT INTO public.slotwait_items VALUES (1001, 'after the wait')");
        await().atMost(Duration.ofSeconds(30)).until(() -> "1".equals(TestDatabases.single(target(),
                "SELECT count(*) FROM acme.slotwait_items WHERE id = 1001 AND label = 'after the wait'")));
    }
}
