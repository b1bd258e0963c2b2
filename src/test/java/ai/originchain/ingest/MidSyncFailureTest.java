package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** The source fails half-way: 502 with the partial report, a consistent target, and a rerun converges. */
class MidSyncFailureTest extends ConnectorTest {

    private static final String FAILING_VIEW = """
            CREATE OR REPLACE VIEW public.flaky_orders AS
            SELECT g AS id, 'order ' || g AS label, (g * 10 / CASE WHEN g = 3500 THEN 0 ELSE 1 END)::bigint AS total
              FROM generate_series(1, 6000) g""";
    private static final String HEALED_VIEW = """
            CREATE OR REPLACE VIEW public.flaky_orders AS
            SELECT g AS id, 'order ' || g AS label, (g * 10)::bigint AS total
              FROM generate_series(1, 6000) g""";

    private Map<String, Object> body() {
        return Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.flaky_orders", "flaky_orders", List.of("id"), null)));
    }

    @Test
    void aSourceErrorHalfWayIs502WithThePartialReportAndARerunConverges(CapturedOutput output) {
        TestDatabases.execute(source(), FAILING_VIEW, "GRANT SELECT ON public.flaky_orders TO readonly");

        Response failed = post("acme", ACME_TOKEN, body());

        assertThat(failed.status()).as(failed.body()).isEqualTo(502);
        assertThat(failed.contentType()).startsWith("application/problem+json");
        JsonNode report = failed.json().get("report");
        assertThat(report.get("status").asText()).isEqualTo("failed");
        assertThat(failed.json().get("sync_id").asText()).isEqualTo(report.get("sync_id").asText());
        JsonNode mapping = failed.json().get("mappings").get(0);
        assertThat(mapping.get("status").asText()).isEqualTo("failed");
        assertThat(mapping.get("error").asText()).contains("division by zero");
        long written = mapping.get("rows_written").asLong();
        assertThat(written).isLessThan(3500);
        // What landed is whole rows, exactly as the source has them.
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.flaky_orders")).isEqualTo(String.valueOf(written));
        assertThat(TestDatabases.single(target(),
                "SELECT count(*) FROM acme.flaky_orders WHERE label <> 'order ' || id OR total <> id * 10")).isEqualTo("0");

        TestDatabases.execute(source(), HEALED_VIEW);
        Response rerun = post("acme", ACME_TOKEN, body());

        assertThat(rerun.status()).as(rerun.body()).isEqualTo(200);
        assertThat(fingerprint(target(), "acme.flaky_orders", "id, label, total", "id"))
                .isEqualTo(fingerprint(source(), "public.flaky_orders", "id, label, total", "id"));
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
        assertThat(failed.body() + rerun.body()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }
}
