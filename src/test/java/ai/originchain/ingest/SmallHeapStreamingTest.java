package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Runs in its own JVM with {@code -Xmx128m} (see the {@code small-heap} surefire execution in
 * pom.xml): a table of a million rows, about twice the heap's size in COPY text, must sync, and then
 * re-sync with changes all over it (a whole-table merge in key-range parts at once). A read that
 * buffered the table, or a hand-off queue without bound, would run out of memory here.
 */
class SmallHeapStreamingTest extends ConnectorTest {

    static final int ROWS = 1_000_000;

    @Test
    void aTableLargerThanTheHeapStreamsThrough(CapturedOutput output) {
        long maxHeap = Runtime.getRuntime().maxMemory();
        assertThat(maxHeap).as("this test must run with a small heap").isLessThanOrEqualTo(160L * 1024 * 1024);
        TestDatabases.execute(source(),
                "DROP TABLE IF EXISTS public.big_orders",
                """
                CREATE TABLE public.big_orders (id bigint PRIMARY KEY, customer_id bigint, amount numeric(12,2),
                                                status text, created_at timestamptz, payload text)""",
                """
                INSERT INTO public.big_orders
                SELECT g, g %% 9973, (g %% 100000) / 100.0, 'status-' || (g %% 7),
                       timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second',
                       md5(g::text) || repeat(md5((g * 31)::text), 6)
                  FROM generate_series(1, %d) g""".formatted(ROWS),
                "ANALYZE public.big_orders");
        long copyBytes = Long.parseLong(TestDatabases.single(source(),
                "SELECT sum(octet_length(t::text)) FROM public.big_orders t"));
        assertThat(copyBytes).as("the table's text is larger than the heap").isGreaterThan(maxHeap);

        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.big_orders", "big_orders", List.of("id"), null))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("mappings").get(0).get("rows_written").asLong()).isEqualTo(ROWS);
        String columns = "id, customer_id, amount, status, created_at, payload";
        assertThat(fingerprint(target(), "acme.big_orders", columns, "id"))
                .isEqualTo(fingerprint(source(), "public.big_orders", columns, "id"));

        // 1% changed at keys all over the table: the re-sync merges the whole table, in key-range parts at once.
        TestDatabases.execute(source(), "UPDATE public.big_orders SET status = 'changed' WHERE id % 100 = 0");
        Response resync = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.big_orders", "big_orders", List.of("id"), null))));

        assertThat(resync.status()).as(resync.body()).isEqualTo(200);
        assertThat(resync.json().get("mappings").get(0).get("rows_changed").asLong()).as(resync.body()).isEqualTo(ROWS / 100);
        assertThat(resync.json().get("mappings").get(0).get("rows_merged").asLong()).as(resync.body()).isEqualTo(ROWS);
        assertThat(output.getAll()).contains("the whole table is merged, in 2 key-range parts at once");
        assertThat(fingerprint(target(), "acme.big_orders", columns, "id"))
                .isEqualTo(fingerprint(source(), "public.big_orders", columns, "id"));
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    /**
     * One real row of 300 MB (over the default originchain.source.max-row-bytes, 64 MiB, and over this
     * heap): a 422 on its mapping, the service still serving: another tenant's sync right after succeeds,
     * with a row of 5 MB, large but under the limit.
     */
    @Test
    void aRowLargerThanTheHeapIs422OnItsMappingAndTheServiceGoesOn() {
        int huge = 300 * 1024 * 1024;
        int large = 5 * 1024 * 1024;
        assertThat((long) huge).as("the row is larger than the heap").isGreaterThan(Runtime.getRuntime().maxMemory());
        sourceTable("huge_value", "id int PRIMARY KEY, body text", "VALUES (1, 'small'), (2, repeat('x', " + huge + "))");
        sourceTable("large_value", "id int PRIMARY KEY, body text", "VALUES (1, repeat('y', " + large + "))");

        Response refused = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.huge_value", "huge", List.of("id"), null))));

        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0]");
        assertThat(refused.json().get("errors").get(0).get("message").asText()).contains("public.huge_value")
                .contains("originchain.source.max-row-bytes (67108864 bytes)");
        assertThat(!tableExists(target(), "acme.huge") || "0".equals(TestDatabases.single(target(), "SELECT count(*) FROM acme.huge")))
                .as("nothing of the mapping is committed").isTrue();

        Response next = post("globex", GLOBEX_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.large_value", "large", List.of("id"), null))));
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT octet_length(body) FROM globex.large")).isEqualTo(String.valueOf(large));
    }
}
