package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** The product page's quickstart, POSTed to the running service, against real PostgreSQL servers. */
class QuickstartSyncTest extends ConnectorTest {

    static final List<String> COLUMNS = List.of("id", "customer_id", "amount", "status", "created_at");
    static final String COLUMN_LIST = "id, customer_id, amount, status, created_at";

    @BeforeAll
    static void seedOrders() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.orders",
                """
                CREATE TABLE public.orders (
                    id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(12,2),
                    status text, created_at timestamptz, note text DEFAULT 'not selected')""",
                """
                INSERT INTO public.orders (id, customer_id, amount, status, created_at)
                SELECT g, g % 101, round(g * 1.37, 2), (ARRAY['new','paid','ship''d', E'tab\\there', NULL])[1 + g % 5],
                       timestamptz '2026-01-01 00:00:00.123456+00' + g * interval '1 minute 7.000001 seconds'
                  FROM generate_series(1, 5000) g""");
    }

    private Map<String, Object> quickstartBody() {
        // The product page's body, pointed at the test source.
        return Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.orders", "orders", List.of("id"), COLUMNS)));
    }

    @Test
    void quickstartSyncsEveryRowAndValue(CapturedOutput output) {
        Response response = post("acme", ACME_TOKEN, quickstartBody());

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.json().get("status").asText()).isEqualTo("succeeded");
        assertThat(response.json().get("tenant").asText()).isEqualTo("acme");
        assertThat(response.json().get("sync_id").asText()).isNotBlank();
        assertThat(response.json().get("started_at").asText()).endsWith("Z");
        assertThat(response.json().get("finished_at").asText()).endsWith("Z");
        var mapping = response.json().get("mappings").get(0);
        assertThat(mapping.get("source_table").asText()).isEqualTo("public.orders");
        assertThat(mapping.get("target_schema").asText()).isEqualTo("orders");
        assertThat(mapping.get("rows_read").asLong()).isEqualTo(5000);
        assertThat(mapping.get("rows_written").asLong()).isEqualTo(5000);
        assertThat(mapping.get("duration_ms").asLong()).isGreaterThanOrEqualTo(0);

        assertThat(fingerprint(target(), "acme.orders", COLUMN_LIST, "id"))
                .isEqualTo(fingerprint(source(), "public.orders", COLUMN_LIST, "id"));
        assertThat(TestDatabases.query(target(), """
                SELECT column_name, data_type, coalesce(numeric_precision::text, ''), coalesce(column_default, '')
                  FROM information_schema.columns WHERE table_schema = 'acme' AND table_name = 'orders'
                 ORDER BY ordinal_position"""))
                .containsExactly(
                        List.of("id", "bigint", "64", ""),
                        List.of("customer_id", "bigint", "64", ""),
                        List.of("amount", "numeric", "12", ""),
                        List.of("status", "text", "", ""),
                        List.of("created_at", "timestamp with time zone", "", ""));
        assertThat(TestDatabases.single(target(), """
                SELECT string_agg(a.attname, ',') FROM pg_index i
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                 WHERE i.indrelid = 'acme.orders'::regclass AND i.indisprimary""")).isEqualTo("id");

        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
        assertThat(response.body()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    @Test
    void resyncsConvergeWithoutDuplicates(CapturedOutput output) {
        assertThat(post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.orders", "orders_twice", List.of("id"), COLUMNS))))
                .status()).isEqualTo(200);
        Response again = post("acme", ACME_ROTATED_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.orders", "orders_twice", List.of("id"), COLUMNS))));
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("mappings").get(0).get("schema_created").asBoolean()).isFalse();
        assertThat(again.json().get("mappings").get(0).get("rows_changed").asLong()).isZero();
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.orders_twice")).isEqualTo("5000");

        TestDatabases.execute(source(),
                "UPDATE public.orders SET amount = amount + 1, status = 'changed' WHERE id % 10 = 0",
                "INSERT INTO public.orders (id, customer_id, amount, status, created_at) "
                        + "SELECT g, 7, 1.5, 'late', now() FROM generate_series(5001, 5100) g");
        try {
            Response third = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                    "mappings", List.of(mapping("public.orders", "orders_twice", List.of("id"), COLUMNS))));
            assertThat(third.status()).as(third.body()).isEqualTo(200);
            assertThat(third.json().get("mappings").get(0).get("rows_changed").asLong()).isEqualTo(600);
            assertThat(fingerprint(target(), "acme.orders_twice", COLUMN_LIST, "id"))
                    .isEqualTo(fingerprint(source(), "public.orders", COLUMN_LIST, "id"));
            assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
        } finally {
            seedOrders();
        }
    }
}
