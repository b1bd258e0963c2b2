package ai.originchain.ingest.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Every log line of a run carries its {@code sync_id} and {@code tenant} (MDC, printed by the
 * console pattern of application.yaml), also the lines logged on the mapping pool's threads; and
 * once the run ended, the request thread's next lines carry neither.
 */
class RunLogContextTest extends ConnectorTest {

    @BeforeAll
    static void sourceTables() {
        TestDatabases.execute(dbs.source(),
                "DROP TABLE IF EXISTS public.logged_a, public.logged_b",
                "CREATE TABLE public.logged_a (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.logged_a SELECT g, 'a ' || g FROM generate_series(1, 3000) g",
                "CREATE TABLE public.logged_b (id bigint PRIMARY KEY, label text)",
                "INSERT INTO public.logged_b SELECT g, 'b ' || g FROM generate_series(1, 3000) g",
                "GRANT SELECT ON public.logged_a, public.logged_b TO readonly");
    }

    @Test
    void everyLineOfARunCarriesItsSyncIdAndTenant(CapturedOutput output) {
        String first = sync();
        String second = sync();

        for (String syncId : List.of(first, second)) {
            String context = "[sync_id=" + syncId + " tenant=acme]";
            List<String> lines = output.getAll().lines().filter(line -> line.contains("sync " + syncId)).toList();
            assertThat(lines).hasSizeGreaterThanOrEqualTo(4).allSatisfy(line -> assertThat(line).contains(context));
            // The per-mapping lines come from the mapping pool's threads, not the request's.
            assertThat(lines.stream().filter(line -> line.contains("done, rows_read")).toList())
                    .hasSize(2).allSatisfy(line -> assertThat(line).contains("Split]"));
            // The context ends with the run: no line of another run (or of none) carries it.
            assertThat(output.getAll().lines().filter(line -> line.contains(context)))
                    .allSatisfy(line -> assertThat(line).contains("sync " + syncId));
        }
    }

    private String sync() {
        Response answer = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(
                mapping("public.logged_a", "logged_a", List.of("id"), null),
                mapping("public.logged_b", "logged_b", List.of("id"), null))));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().get("sync_id").asText();
    }
}
