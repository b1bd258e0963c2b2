package ai.originchain.ingest.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.StreamSource;
import ai.originchain.ingest.support.TcpRelay;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Streams cannot take the service from the others: a PUT over the per-tenant or the total limit is a
 * 429 that makes nothing at the source; streams whose source is gone hold no target connection a sync
 * needs; a tenant no longer configured has its streams left alone; a DELETE while the source cannot
 * be reached answers 202 and the slot is dropped in the background once it can.
 */
class StreamLimitsTest extends ConnectorTest {

    private static final StreamSource src = StreamSource.get();

    @Autowired
    StreamStore store;
    @Autowired
    StreamDefinitions definitions;
    @Autowired
    StreamCipher cipher;
    @Autowired
    StreamSupervisor supervisor;

    record Answer(int status, String contentType, String retryAfter, JsonNode json, String body) {
    }

    private Answer send(String method, String stream, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                            + "/v1/tenants/acme/ingest/postgres/streams/" + stream))
                    .header("Authorization", "Bearer " + ACME_TOKEN)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode node = r.body().isEmpty() ? null : json.readTree(r.body());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                    r.headers().firstValue("Retry-After").orElse(null), node, r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> manifest(int sourcePort, String targetSchema) {
        Map<String, Object> source = new LinkedHashMap<>(src.sourceBlock(StreamSource.USER));
        source.put("port", sourcePort);
        return Map.of("source", source, "mappings", List.of(mapping("public.lim_items", targetSchema, List.of("id"), null)));
    }

    /** A stream stored as a PUT stores it (definition, encrypted password), put there directly. */
    private StoredStream stored(String tenant, String stream, Map<String, Object> body, String status) throws IOException {
        StreamDefinitions.Parsed parsed = definitions.parse(json.writeValueAsBytes(body));
        parsed.manifest().source().wipePassword();
        UUID id = UUID.randomUUID();
        StoredStream row = new StoredStream(id, tenant, stream, parsed.definition(), parsed.fingerprint(),
                cipher.encrypt(StreamSource.PASSWORD.toCharArray(), id.toString()),
                StreamApi.name("originchain", tenant, stream, null), true, StreamApi.name("oc", tenant, stream, id), status,
                null, null, null, null, null);
        try (java.sql.Connection c = target().getConnection(); java.sql.PreparedStatement st = c.prepareStatement("""
                INSERT INTO originchain.streams (tenant, stream, stream_id, definition, fingerprint, credentials,
                       publication, publication_owned, slot, status) VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)
                """)) {
            st.setString(1, row.tenant());
            st.setString(2, row.stream());
            st.setObject(3, row.id());
            st.setString(4, row.definition());
            st.setString(5, row.fingerprint());
            st.setBytes(6, row.credentials());
            st.setString(7, row.publication());
            st.setBoolean(8, row.publicationOwned());
            st.setString(9, row.slot());
            st.setString(10, row.status());
            st.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return row;
    }

    private static int refusingPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String slotsAtSource() {
        return TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots");
    }

    private static void sourceItems() {
        TestDatabases.execute(src.asStreamer(), "CREATE TABLE IF NOT EXISTS public.lim_items (id int PRIMARY KEY, label text)",
                "INSERT INTO public.lim_items SELECT g, 'item ' || g FROM generate_series(1, 20) g ON CONFLICT DO NOTHING");
    }

    @AfterEach
    void removeTheTestsStreams() {
        String ours = "SELECT stream_id FROM originchain.streams WHERE stream LIKE 'lim\\_%' OR tenant LIKE 'ghost%'";
        List<String> slots = TestDatabases.query(target(), "SELECT slot FROM originchain.streams WHERE stream LIKE 'lim\\_%' "
                + "OR tenant LIKE 'ghost%'").stream().map(r -> r.get(0)).toList();
        TestDatabases.execute(target(), "DELETE FROM originchain.stream_positions WHERE stream_id IN (" + ours + ")",
                "DELETE FROM originchain.streams WHERE stream_id IN (" + ours + ")");
        for (String slot : slots) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "0".equals(TestDatabases.single(src.admin(),
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active", slot)));
            TestDatabases.query(src.admin(), "SELECT pg_drop_replication_slot(slot_name)::text FROM pg_replication_slots "
                    + "WHERE slot_name = ?", slot);
        }
        sourceItems();
        TestDatabases.execute(src.asStreamer(), "DELETE FROM public.lim_items WHERE id > 1000");
        TestDatabases.execute(src.admin(), "DROP PUBLICATION IF EXISTS originchain_acme_lim_new",
                "DROP PUBLICATION IF EXISTS originchain_acme_lim_locks",
                "DROP PUBLICATION IF EXISTS originchain_acme_lim_relay");
    }

    @Test
    void aPutOverTheTenantsLimitIs429AndMakesNothingAtTheSource() throws IOException {
        sourceItems();
        int gone = refusingPort();
        int ofAcme = Integer.parseInt(TestDatabases.single(target(), "SELECT count(*) FROM originchain.streams WHERE tenant = 'acme'"));
        for (int i = ofAcme; i < 4; i++) {
            stored("acme", "lim_full_" + i, manifest(gone, "lim_full_" + i), StoredStream.FAILED);
        }
        String slotsBefore = slotsAtSource();

        Answer refused = send("PUT", "lim_new", manifest(src.port(), "lim_new"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.retryAfter()).isNotNull();
        assertThat(Integer.parseInt(refused.retryAfter())).isPositive();
        assertThat(refused.json().get("detail").asText()).contains("tenant acme has 4 streams").contains("originchain.streams.max-per-tenant");
        assertThat(send("GET", "lim_new", null).status()).isEqualTo(404);
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_publication WHERE pubname = 'originchain_acme_lim_new'"))
                .as("no publication made").isEqualTo("0");
        assertThat(slotsAtSource()).as("no slot made").isEqualTo(slotsBefore);

        // A PUT of an existing stream is no creation: the same manifest resumes the failed one (200).
        Answer resumed = send("PUT", "lim_full_3", manifest(gone, "lim_full_3"));
        assertThat(resumed.status()).as(resumed.body()).isEqualTo(200);
    }

    @Test
    void aPutOverTheServicesLimitIs429AndMakesNothingAtTheSource() throws IOException {
        sourceItems();
        int gone = refusingPort();
        int stored = Integer.parseInt(TestDatabases.single(target(), "SELECT count(*) FROM originchain.streams"));
        // Streams of other tenants (no longer configured, failed: none is started) fill the service's 32.
        for (int i = stored; i < 32; i++) {
            stored("ghost" + (i % 8), "lim_other_" + i, manifest(gone, "lim_other_" + i), StoredStream.FAILED);
        }
        String slotsBefore = slotsAtSource();

        Answer refused = send("PUT", "lim_new", manifest(src.port(), "lim_new"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.retryAfter()).isNotNull();
        assertThat(refused.json().get("detail").asText()).contains("(originchain.streams.max)").doesNotContain("ghost");
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_publication WHERE pubname = 'originchain_acme_lim_new'"))
                .as("no publication made").isEqualTo("0");
        assertThat(slotsAtSource()).as("no slot made").isEqualTo(slotsBefore);
        assertThat(store.find("acme", "lim_new")).isEmpty();
    }

    @Test
    void sixteenStreamsWhoseSourceIsGoneLeaveTheTargetConnectionsToSyncs() throws IOException {
        int gone = refusingPort();
        List<StoredStream> streams = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            streams.add(stored("acme", "lim_gone_" + i, manifest(gone, "lim_gone_" + i), StoredStream.SNAPSHOTTING));
        }
        // Every one runs, retrying its source: here or on another instance (each Spring context of the test JVM is one).
        await().atMost(Duration.ofSeconds(30)).until(() -> streams.stream()
                .allMatch(s -> !"0".equals(lockHolder("originchain.stream:acme/" + s.stream()))));

        sourceTable("lim_sync_rows", "id int PRIMARY KEY, v text", "SELECT g, 'v' || g FROM generate_series(1, 200) g");
        Response sync = post("globex", GLOBEX_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.lim_sync_rows", "lim_sync_rows", List.of("id"), null))));
        assertThat(sync.status()).as(sync.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM globex.lim_sync_rows")).isEqualTo("200");
        assertThat(streams).allMatch(s -> !"0".equals(lockHolder("originchain.stream:acme/" + s.stream())));
    }

    @Test
    void aStreamOfATenantNoLongerConfiguredIsNotStarted(CapturedOutput output) throws IOException {
        sourceItems();
        StoredStream orphan = stored("ghost", "lim_orphan", manifest(src.port(), "lim_orphan"), StoredStream.SNAPSHOTTING);
        String line = "stream ghost/lim_orphan is not started: tenant ghost is not configured";
        await().atMost(Duration.ofSeconds(20)).until(() -> output.getAll().contains(line));

        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                !supervisor.runsHere("ghost", "lim_orphan") && "0".equals(TestDatabases.single(src.admin(),
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", orphan.slot())));
        // Once per instance, not once per poll: other Spring contexts of this test JVM are instances too.
        int logged = occurrences(output.getAll(), line);
        assertThat(logged).as("logged").isPositive();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> occurrences(output.getAll(), line) == logged);
        assertThat(store.find("ghost", "lim_orphan")).as("still stored").isPresent();
        assertThat(output.getAll()).doesNotContain(StreamSource.PASSWORD);
    }

    private static int occurrences(String text, String line) {
        Matcher m = Pattern.compile(Pattern.quote(line)).matcher(text);
        int times = 0;
        while (m.find()) {
            times++;
        }
        return times;
    }

    private String lockHolder(String key) {
        return TestDatabases.single(target(), """
                SELECT coalesce(min(pid), 0)::text FROM pg_catalog.pg_locks
                 WHERE locktype = 'advisory' AND granted AND objsubid = 1
                   AND ((classid::bigint << 32) | objid::bigint) = pg_catalog.hashtextextended(?, 0)
                """, key);
    }

    @Test
    void whenTheSessionHoldingTheStreamsLocksBreaksTheyAreTakenAgainAndTheStreamGoesOn() {
        sourceItems();
        Answer created = send("PUT", "lim_locks", manifest(src.port(), "lim_locks"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() ->
                "streaming".equals(send("GET", "lim_locks", null).json().get("status").asText()));
        String holder = lockHolder("originchain.stream:acme/lim_locks");
        assertThat(holder).isNotEqualTo("0");

        TestDatabases.single(target(), "SELECT pg_catalog.pg_terminate_backend(?)::text", Integer.parseInt(holder));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String now = lockHolder("originchain.stream:acme/lim_locks");
            return !now.equals("0") && !now.equals(holder);
        });
        TestDatabases.execute(src.asStreamer(), "INSERT INTO public.lim_items VALUES (1001, 'after the break')");
        await().atMost(Duration.ofSeconds(30)).until(() -> "1".equals(TestDatabases.single(target(),
                "SELECT count(*) FROM acme.lim_locks WHERE id = 1001")));
        assertThat(lockHolder("originchain.sync:acme.lim_locks")).as("its target table is locked again")
                .isEqualTo(lockHolder("originchain.stream:acme/lim_locks"));
        assertThat(send("DELETE", "lim_locks", null).status()).isEqualTo(204);
    }

    @Test
    void aDeleteWhileTheSourceIsUnreachableIs202AndTheSlotIsDroppedOnceItIsBack() throws IOException {
        sourceItems();
        try (TcpRelay relay = new TcpRelay(src.port())) {
            Map<String, Object> body = manifest(relay.port(), "lim_relay");
            Answer created = send("PUT", "lim_relay", body);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    "streaming".equals(send("GET", "lim_relay", null).json().get("status").asText()));
            String slot = created.json().get("slot").asText();

            relay.close();
            Answer deleting = send("DELETE", "lim_relay", null);
            assertThat(deleting.status()).as(deleting.body()).isEqualTo(202);
            assertThat(deleting.json().get("status").asText()).isEqualTo("deleting");
            assertThat(deleting.json().get("error").get("detail").asText())
                    .contains("could not connect to the source").contains(slot).contains("retries in the background");
            Answer status = send("GET", "lim_relay", null);
            assertThat(status.json().get("status").asText()).isEqualTo("deleting");
            Answer again = send("PUT", "lim_relay", body);
            assertThat(again.status()).as(again.body()).isEqualTo(409);
            assertThat(again.contentType()).startsWith("application/problem+json");
            assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", slot))
                    .as("the slot is still there").isEqualTo("1");

            relay.open();
            await().atMost(Duration.ofSeconds(60)).until(() -> send("GET", "lim_relay", null).status() == 404);
            assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", slot))
                    .isEqualTo("0");
            assertThat(TestDatabases.single(src.admin(),
                    "SELECT count(*) FROM pg_publication WHERE pubname = 'originchain_acme_lim_relay'")).isEqualTo("0");
        }
    }
}
