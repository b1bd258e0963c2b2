package ai.originchain.ingest.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.StreamSource;
import ai.originchain.ingest.support.TestDatabases;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A change stream over HTTP, end to end, against a TLS source at wal_level=logical: the initial copy
 * makes the target equal to the snapshot, then small transactions, one of 100k rows, unchanged
 * TOASTed values, a truncate and an added column arrive; DELETE drops the slot and the publication.
 */
class StreamTest extends ConnectorTest {

    private static final StreamSource src = StreamSource.get();

    @Autowired
    MeterRegistry meters;

    Response put(String stream, Object body) {
        return send("PUT", "/streams/" + stream, body);
    }

    Response getStream(String stream) {
        return send("GET", "/streams/" + stream, null);
    }

    Response send(String method, String path, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                            + (path.startsWith("/v1/") ? "" : "/v1/tenants/acme/ingest/postgres") + path))
                    .header("Authorization", "Bearer " + ACME_TOKEN)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            com.fasterxml.jackson.databind.JsonNode node = null;
            try {
                node = r.body().isEmpty() ? null : json.readTree(r.body());
            } catch (IOException ignored) {
                // Not JSON.
            }
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), null, r.body(), node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> manifest(String user, List<Map<String, Object>> mappings) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", src.sourceBlock(user));
        body.put("mappings", mappings);
        return body;
    }

    private static List<String> same(DataSource db, String table) {
        return fingerprint(db, table, "*", "id");
    }

    @Test
    void streamsEveryKindOfChangeExactlyAsTheSourceHasIt(CapturedOutput output) {
        TestDatabases.execute(src.asStreamer(),
                "CREATE TABLE public.orders (id bigint PRIMARY KEY, note text, amount numeric(12,2), big text)",
                "ALTER TABLE public.orders ALTER COLUMN big SET STORAGE EXTERNAL",
                "INSERT INTO public.orders SELECT g, 'n' || g, g * 1.5, NULL FROM generate_series(1, 500) g",
                "CREATE TABLE public.items (id int PRIMARY KEY, label text)",
                "INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 50) g");
        // The target already holds a row the source does not: the initial copy deletes it.
        TestDatabases.execute(target(), "CREATE SCHEMA IF NOT EXISTS acme",
                "CREATE TABLE acme.s_orders (id bigint PRIMARY KEY, note text, amount numeric(12,2), big text)",
                "INSERT INTO acme.s_orders VALUES (999999, 'stale', 0, NULL), (1, 'old', 0, NULL)");
        Map<String, Object> body = manifest(StreamSource.USER, List.of(
                mapping("public.orders", "s_orders", List.of("id"), null),
                mapping("public.items", "s_items", List.of("id"), null)));

        Response created = put("shop", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("slot").asText()).startsWith("oc_acme_shop_");
        assertThat(created.json().get("publication").asText()).isEqualTo("originchain_acme_shop");
        assertThat(put("shop", body).status()).isEqualTo(200);
        Map<String, Object> other = manifest(StreamSource.USER, List.of(mapping("public.orders", "s_orders", List.of("id"),
                List.of("id", "note"))));
        Response conflict = put("shop", other);
        assertThat(conflict.status()).as(conflict.body()).isEqualTo(409);

        await().atMost(Duration.ofSeconds(60)).until(() -> "streaming".equals(getStream("shop").json().get("status").asText()));
        assertThat(same(target(), "acme.s_orders")).isEqualTo(same(src.admin(), "public.orders"));
        assertThat(same(target(), "acme.s_items")).isEqualTo(same(src.admin(), "public.items"));

        // Many small transactions: inserts, updates and deletes.
        for (int i = 0; i < 40; i++) {
            TestDatabases.execute(src.asStreamer(), "BEGIN",
                    "INSERT INTO public.orders VALUES (" + (1000 + i) + ", 'new', 1, NULL)",
                    "UPDATE public.orders SET note = 'changed " + i + "', amount = amount + 1 WHERE id = " + (i + 1),
                    "DELETE FROM public.orders WHERE id = " + (400 + i),
                    "COMMIT");
        }
        // Within one transaction: a row inserted, updated and deleted; another inserted then updated; a key changed.
        TestDatabases.execute(src.asStreamer(), "BEGIN",
                "INSERT INTO public.orders VALUES (5000, 'a', 1, NULL)", "UPDATE public.orders SET note = 'b' WHERE id = 5000",
                "DELETE FROM public.orders WHERE id = 5000",
                "INSERT INTO public.orders VALUES (5001, 'a', 1, NULL)", "UPDATE public.orders SET note = 'b\tc\\d' WHERE id = 5001",
                "UPDATE public.orders SET id = 6000 WHERE id = 300", "COMMIT");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(same(target(), "acme.s_orders")).isEqualTo(same(src.admin(), "public.orders")));

        // One transaction of 100k rows.
        TestDatabases.execute(src.asStreamer(),
                "INSERT INTO public.orders SELECT g, 'bulk', g, NULL FROM generate_series(100001, 200000) g");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(same(target(), "acme.s_orders")).isEqualTo(same(src.admin(), "public.orders")));

        // An unchanged TOASTed value is not sent with an update; the target keeps it.
        TestDatabases.execute(src.asStreamer(),
                "UPDATE public.orders SET big = (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g) WHERE id = 2");
        TestDatabases.execute(src.asStreamer(), "UPDATE public.orders SET note = 'toast kept' WHERE id = 2");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(same(target(), "acme.s_orders")).isEqualTo(same(src.admin(), "public.orders")));
        assertThat(TestDatabases.single(target(), "SELECT length(big) FROM acme.s_orders WHERE id = 2")).isEqualTo("12800");

        // Truncate empties the target table.
        TestDatabases.execute(src.asStreamer(), "TRUNCATE public.items", "INSERT INTO public.items VALUES (7, 'after')");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(same(target(), "acme.s_items")).isEqualTo(same(src.admin(), "public.items")));

        // A column added at the source reaches the target with the first change that carries it.
        TestDatabases.execute(src.asStreamer(), "ALTER TABLE public.orders ADD COLUMN extra integer",
                "UPDATE public.orders SET extra = 7 WHERE id = 3");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(same(target(), "acme.s_orders")).isEqualTo(same(src.admin(), "public.orders")));
        assertThat(TestDatabases.single(target(), "SELECT extra FROM acme.s_orders WHERE id = 3")).isEqualTo("7");

        Response status = getStream("shop");
        assertThat(status.json().get("status").asText()).isEqualTo("streaming");
        assertThat(status.json().get("confirmed_lsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        await().atMost(Duration.ofSeconds(10)).until(() -> getStream("shop").json().get("lag_bytes").isIntegralNumber());
        assertThat(status.json().get("mappings")).hasSize(2);
        assertThat(send("GET", "/streams", null).json().get("streams")).isNotEmpty();
        assertThat(meters.find("originchain.stream.lag.bytes").tag("tenant", "acme").tag("stream", "shop").gauge()).isNotNull();
        String slot = status.json().get("slot").asText();
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", slot))
                .isEqualTo("1");

        // The password is nowhere: not in the metadata tables, not in any response, not in the logs.
        assertThat(TestDatabases.single(target(), "SELECT string_agg(s::text, ' ') FROM originchain.streams s"))
                .doesNotContain(StreamSource.PASSWORD);
        assertThat(status.body()).doesNotContain(StreamSource.PASSWORD);

        Response deleted = send("DELETE", "/streams/shop", null);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", slot))
                .isEqualTo("0");
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_publication WHERE pubname = 'originchain_acme_shop'"))
                .isEqualTo("0");
        assertThat(getStream("shop").status()).isEqualTo(404);
        assertThat(tableExists(target(), "acme.s_orders")).isTrue();
        assertThat(output.getAll()).doesNotContain(StreamSource.PASSWORD);
    }

    @Test
    void aNarrowedTypeFailsTheStreamKeepingItsSlotAndAPutResumesIt() {
        TestDatabases.execute(src.asStreamer(), "CREATE TABLE public.gauges (id int PRIMARY KEY, v bigint)",
                "INSERT INTO public.gauges VALUES (1, 10)");
        Map<String, Object> body = manifest(StreamSource.USER, List.of(mapping("public.gauges", "s_gauges", List.of("id"), null)));
        assertThat(put("gauges", body).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() -> "streaming".equals(getStream("gauges").json().get("status").asText()));

        TestDatabases.execute(src.asStreamer(), "ALTER TABLE public.gauges ALTER COLUMN v TYPE integer",
                "INSERT INTO public.gauges VALUES (2, 20)");
        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(getStream("gauges").json().get("status").asText()));
        Response failed = getStream("gauges");
        assertThat(failed.json().get("error").get("detail").asText()).contains("'v'").contains("bigint").contains("integer");
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?",
                failed.json().get("slot").asText())).as("the slot is kept").isEqualTo("1");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.s_gauges")).isEqualTo("1");

        // The operator follows the change at the target; the same manifest resumes the stream where it stopped.
        TestDatabases.execute(target(), "ALTER TABLE acme.s_gauges ALTER COLUMN v TYPE integer");
        assertThat(put("gauges", body).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(same(target(), "acme.s_gauges")).isEqualTo(same(src.admin(), "public.gauges")));
        assertThat(getStream("gauges").json().get("status").asText()).isEqualTo("streaming");
        assertThat(send("DELETE", "/streams/gauges", null).status()).isEqualTo(204);
    }

    @Test
    void aSourceThatCannotStreamIsRefusedWithTheSqlThatFixesIt() {
        TestDatabases.execute(src.asStreamer(),
                "CREATE TABLE IF NOT EXISTS public.nokey (id int, v text)",
                "CREATE TABLE IF NOT EXISTS public.keyed (id int PRIMARY KEY, v text)");

        Response noReplication = put("plain", manifest(StreamSource.PLAIN_USER,
                List.of(mapping("public.keyed", "p_keyed", List.of("id"), null))));
        assertThat(noReplication.status()).as(noReplication.body()).isEqualTo(422);
        assertThat(noReplication.json().get("errors").findValuesAsText("field")).contains("source.user");
        assertThat(noReplication.body()).contains("ALTER ROLE \\\"plainreader\\\" REPLICATION");

        Response noIdentity = put("nokey", manifest(StreamSource.USER,
                List.of(mapping("public.nokey", "p_nokey", List.of("id"), null))));
        assertThat(noIdentity.status()).as(noIdentity.body()).isEqualTo(422);
        assertThat(noIdentity.json().get("errors").findValuesAsText("field")).containsExactly("mappings[0].source_table");
        assertThat(noIdentity.body()).contains("REPLICA IDENTITY FULL");

        Map<String, Object> named = manifest(StreamSource.USER, List.of(mapping("public.keyed", "p_keyed", List.of("id"), null)));
        named.put("publication", "no_such_publication");
        Response missing = put("named", named);
        assertThat(missing.status()).as(missing.body()).isEqualTo(422);
        assertThat(missing.json().get("errors").findValuesAsText("field")).containsExactly("publication");
        assertThat(missing.body()).contains("CREATE PUBLICATION");
        assertThat(getStream("plain").status()).isEqualTo(404);
    }

    @Test
    void aSourceWithoutLogicalDecodingIsRefusedOnSourceDatabaseWithTheSettingToChange() {
        // The sync tests' TLS source runs at PostgreSQL's default wal_level, replica; its role here may replicate
        // and owns its table, so wal_level is the one thing missing.
        TestDatabases.execute(dbs.source(),
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'walstreamer') THEN "
                        + "CREATE ROLE walstreamer LOGIN REPLICATION PASSWORD '" + TestDatabases.SOURCE_PASSWORD + "'; END IF; END $$",
                "CREATE TABLE IF NOT EXISTS public.wal_replica (id int PRIMARY KEY, v text)",
                "ALTER TABLE public.wal_replica OWNER TO walstreamer");
        assertThat(TestDatabases.single(dbs.source(), "SHOW wal_level")).isEqualTo("replica");
        Map<String, Object> body = Map.of(
                "source", Map.of("host", "localhost", "port", dbs.tlsSource.getPort(), "database", TestDatabases.SOURCE_DB,
                        "user", "walstreamer", "password", TestDatabases.SOURCE_PASSWORD, "sslmode", "require"),
                "mappings", List.of(mapping("public.wal_replica", "w_replica", List.of("id"), null)));

        Response refused = put("walreplica", body);

        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("errors").findValuesAsText("field")).containsExactly("source.database");
        assertThat(refused.json().get("errors").get(0).get("message").asText())
                .contains("wal_level is 'replica'")
                .contains("ALTER SYSTEM SET wal_level = logical;")
                .contains("restart PostgreSQL");
        // Nothing was made at the source, nothing stored.
        assertThat(TestDatabases.single(dbs.source(), "SELECT count(*) FROM pg_publication")).isEqualTo("0");
        assertThat(TestDatabases.single(dbs.source(), "SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");
        assertThat(getStream("walreplica").status()).isEqualTo(404);
    }

    @Test
    void aNamedPublicationThatMissesATableOrAKindOfChangeIsRefusedOnPublication() {
        TestDatabases.execute(src.asStreamer(),
                "CREATE TABLE public.covered (id int PRIMARY KEY, v text)",
                "CREATE TABLE public.uncovered (id int PRIMARY KEY, v text)",
                "CREATE PUBLICATION partial_pub FOR TABLE public.covered",
                "CREATE PUBLICATION inserts_only FOR TABLE public.covered WITH (publish = 'insert')");
        Map<String, Object> body = manifest(StreamSource.USER, List.of(
                mapping("public.covered", "pub_covered", List.of("id"), null),
                mapping("public.uncovered", "pub_uncovered", List.of("id"), null)));
        body.put("publication", "partial_pub");

        Response partial = put("partial", body);

        assertThat(partial.status()).as(partial.body()).isEqualTo(422);
        assertThat(partial.json().get("errors").findValuesAsText("field")).containsExactly("publication");
        assertThat(partial.json().get("errors").get(0).get("message").asText())
                .contains("does not cover \"public\".\"uncovered\";")
                .contains("ALTER PUBLICATION \"partial_pub\" ADD TABLE \"public\".\"uncovered\";")
                .doesNotContain("\"public\".\"covered\"");

        Map<String, Object> oneTable = manifest(StreamSource.USER, List.of(mapping("public.covered", "pub_covered", List.of("id"), null)));
        oneTable.put("publication", "inserts_only");
        Response insertsOnly = put("partial", oneTable);
        assertThat(insertsOnly.status()).as(insertsOnly.body()).isEqualTo(422);
        assertThat(insertsOnly.json().get("errors").findValuesAsText("field")).containsExactly("publication");
        assertThat(insertsOnly.body()).contains("SET (publish = 'insert, update, delete, truncate')");

        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'oc_acme_partial%'"))
                .isEqualTo("0");
        assertThat(getStream("partial").status()).isEqualTo(404);
    }

    @Test
    void syncModeFieldsAreRefusedBecauseAStreamAlwaysMirrors() {
        TestDatabases.execute(src.asStreamer(), "CREATE TABLE IF NOT EXISTS public.moded (id int PRIMARY KEY, status text, at timestamptz)");
        Map<String, Object> first = new LinkedHashMap<>(mapping("public.moded", "m_moded", List.of("id"), null));
        first.put("mode", "mirror");
        first.put("delete_mode", "soft");
        first.put("max_delete_fraction", 1);
        first.put("filter", Map.of("column", "status", "op", "=", "value", "paid"));
        Map<String, Object> second = new LinkedHashMap<>(mapping("public.moded", "m_moded2", List.of("id"), null));
        second.put("mode", "incremental");
        second.put("cursor", Map.of("column", "at"));

        Response refused = put("moded", manifest(StreamSource.USER, List.of(first, second)));

        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("errors").findValuesAsText("field")).containsExactlyInAnyOrder(
                "mappings[0].mode", "mappings[0].delete_mode", "mappings[0].max_delete_fraction", "mappings[0].filter",
                "mappings[1].mode", "mappings[1].cursor");
        assertThat(refused.body()).contains("a stream always mirrors");
        assertThat(TestDatabases.single(src.admin(), "SELECT count(*) FROM pg_publication WHERE pubname = 'originchain_acme_moded'"))
                .isEqualTo("0");
        assertThat(getStream("moded").status()).isEqualTo(404);

        // Streams are a PostgreSQL source's only: MySQL and SQLite have no stream endpoint.
        Response mysql = send("PUT", "/v1/tenants/acme/ingest/mysql/streams/moded", manifest(StreamSource.USER, List.of(second)));
        assertThat(mysql.status()).as(mysql.body()).isEqualTo(404);
    }
}
