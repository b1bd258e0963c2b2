package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * A first sync into a table it creates: loaded as a side table without the key, read in parallel
 * ctid ranges, then keyed and renamed into place. The table ends with its PRIMARY KEY and exactly the
 * source's rows; a failure half-way leaves a consistent keyed table and no side table; a crash's
 * leftover side table is dropped by the next sync; a repeated key leaves nothing behind.
 */
class FirstSyncTest extends ConnectorTest {

    @Autowired
    private IngestProperties properties;

    private Map<String, Object> body(String table, List<String> key) {
        return Map.of("source", tlsSource("require"), "mappings", List.of(mapping("public." + table, table, key, null)));
    }

    private String primaryKeyOf(String table) {
        return TestDatabases.single(target(), """
                SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_constraint c
                  CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                 WHERE c.conrelid = ?::regclass AND c.contype = 'p'""", table);
    }

    private String sideTables() {
        return TestDatabases.single(target(),
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'acme'::regnamespace AND relname LIKE '\\_oc\\_load\\_%'");
    }

    @Test
    void aFirstSyncReadInPartsEndsWithItsPrimaryKeyAndExactlyTheSourceRows() {
        TestDatabases.execute(source(),
                "DROP TABLE IF EXISTS public.first_parts",
                "CREATE TABLE public.first_parts (region text, id bigint, label text, amount numeric(12,2), PRIMARY KEY (region, id))",
                "INSERT INTO public.first_parts SELECT 'r' || (g % 3), g, repeat(md5(g::text), 1 + g % 3), g / 7.0 "
                        + "FROM generate_series(1, 12000) g",
                "DELETE FROM public.first_parts WHERE id % 13 = 0",
                "GRANT SELECT ON public.first_parts TO readonly");
        long minBytes = properties.getSync().getReadPartMinBytes();
        int readers = properties.getSync().getReaders();
        properties.getSync().setReadPartMinBytes(64 * 1024);
        properties.getSync().setReaders(3);
        Response synced;
        try {
            synced = post("acme", ACME_TOKEN, body("first_parts", List.of("region", "id")));
        } finally {
            properties.getSync().setReadPartMinBytes(minBytes);
            properties.getSync().setReaders(readers);
        }

        assertThat(synced.status()).as(synced.body()).isEqualTo(200);
        JsonNode mapping = synced.json().get("mappings").get(0);
        assertThat(mapping.get("schema_created").asBoolean()).isTrue();
        String count = TestDatabases.single(source(), "SELECT count(*) FROM public.first_parts");
        assertThat(mapping.get("rows_written").asText()).isEqualTo(count);
        assertThat(primaryKeyOf("acme.first_parts")).isEqualTo("region,id");
        assertThat(fingerprint(target(), "acme.first_parts", "region, id, label, amount", "region, id"))
                .isEqualTo(fingerprint(source(), "public.first_parts", "region, id, label, amount", "region, id"));
        assertThat(sideTables()).isEqualTo("0");

        // A re-sync meets the keyed table like any other: nothing changes.
        Response again = post("acme", ACME_TOKEN, body("first_parts", List.of("region", "id")));
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("mappings").get(0).get("rows_changed").asLong()).isZero();
    }

    @Test
    void aFailureHalfWayLeavesAKeyedConsistentTableAndNoSideTableAndARerunConverges() {
        TestDatabases.execute(source(), """
                CREATE OR REPLACE VIEW public.first_flaky AS
                SELECT g AS id, 'row ' || g AS label, (g / CASE WHEN g = 4200 THEN 0 ELSE 1 END)::bigint AS n
                  FROM generate_series(1, 6000) g""", "GRANT SELECT ON public.first_flaky TO readonly");

        Response failed = post("acme", ACME_TOKEN, body("first_flaky", List.of("id")));

        assertThat(failed.status()).as(failed.body()).isEqualTo(502);
        long written = failed.json().get("report").get("mappings").get(0).get("rows_written").asLong();
        assertThat(written).isLessThan(4200);
        assertThat(primaryKeyOf("acme.first_flaky")).isEqualTo("id");
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.first_flaky")).isEqualTo(String.valueOf(written));
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.first_flaky WHERE label <> 'row ' || id OR n <> id"))
                .isEqualTo("0");
        assertThat(sideTables()).isEqualTo("0");

        TestDatabases.execute(source(), """
                CREATE OR REPLACE VIEW public.first_flaky AS
                SELECT g AS id, 'row ' || g AS label, g::bigint AS n FROM generate_series(1, 6000) g""");
        Response rerun = post("acme", ACME_TOKEN, body("first_flaky", List.of("id")));

        assertThat(rerun.status()).as(rerun.body()).isEqualTo(200);
        assertThat(fingerprint(target(), "acme.first_flaky", "id, label, n", "id"))
                .isEqualTo(fingerprint(source(), "public.first_flaky", "id, label, n", "id"));
    }

    @Test
    void aSideTableACrashLeftBehindIsDroppedByTheNextSync() {
        TestDatabases.execute(source(),
                "DROP TABLE IF EXISTS public.first_crashed",
                "CREATE TABLE public.first_crashed (id int PRIMARY KEY, label text)",
                "INSERT INTO public.first_crashed SELECT g, 'row ' || g FROM generate_series(1, 3000) g",
                "GRANT SELECT ON public.first_crashed TO readonly");
        // What a service killed mid-load leaves: the half-loaded side table, no target table.
        TestDatabases.execute(target(), "CREATE SCHEMA IF NOT EXISTS acme",
                "DROP TABLE IF EXISTS acme.first_crashed",
                "CREATE TABLE acme._oc_load_first_crashed (id int, label text)",
                "INSERT INTO acme._oc_load_first_crashed SELECT g, 'stale' FROM generate_series(1, 500) g");

        Response synced = post("acme", ACME_TOKEN, body("first_crashed", List.of("id")));

        assertThat(synced.status()).as(synced.body()).isEqualTo(200);
        assertThat(synced.json().get("mappings").get(0).get("schema_created").asBoolean()).isTrue();
        assertThat(primaryKeyOf("acme.first_crashed")).isEqualTo("id");
        assertThat(fingerprint(target(), "acme.first_crashed", "id, label", "id"))
                .isEqualTo(fingerprint(source(), "public.first_crashed", "id, label", "id"));
        assertThat(sideTables()).isEqualTo("0");
    }

    @Test
    void aKeyTheSourceRepeatsIs422OnPrimaryKeyAndLeavesNothingBehind() {
        TestDatabases.execute(source(),
                "DROP TABLE IF EXISTS public.first_dupes",
                "CREATE TABLE public.first_dupes (id int, label text)",
                "INSERT INTO public.first_dupes SELECT g % 2500, 'row ' || g FROM generate_series(1, 3000) g",
                "GRANT SELECT ON public.first_dupes TO readonly");

        Response refused = post("acme", ACME_TOKEN, body("first_dupes", List.of("id")));

        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.json().get("errors").get(0).get("field").asText()).isEqualTo("mappings[0].primary_key");
        assertThat(tableExists(target(), "acme.first_dupes")).isFalse();
        assertThat(sideTables()).isEqualTo("0");
    }
}
