package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.store.TargetErrors;

/**
 * The chain as a reader of routes/ sees it: each stage a step with an id, in order, and advisable.
 * This test changes the routes, so it runs in a context of its own.
 */
@DirtiesContext
@TestPropertySource(properties = "originchain.test.context=route-chain")
class RouteChainTest extends ConnectorTest {

    @Autowired
    CamelContext camel;

    @BeforeAll
    static void seed() {
        TestDatabases.execute(dbs.source(),
                "CREATE TABLE IF NOT EXISTS public.chain_items (id int PRIMARY KEY, name text)",
                "INSERT INTO public.chain_items SELECT g, 'item ' || g FROM generate_series(1, 3000) g ON CONFLICT DO NOTHING");
    }

    private List<String> stepIds(String routeId) {
        RouteDefinition route = camel.getCamelContextExtension().getContextPlugin(org.apache.camel.model.Model.class)
                .getRouteDefinition(routeId);
        return ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ProcessorDefinition.class).stream()
                .map(ProcessorDefinition::getId)
                .filter(id -> id != null && !id.startsWith("to") && !id.startsWith("setProperty"))
                .toList();
    }

    @Test
    void theYamlRoutesDeclareEveryStageByIdInOrder() {
        assertThat(stepIds("sync-request")).containsSubsequence("authenticate", "guard-request", "parse-manifest",
                "run-the-sync");
        assertThat(stepIds("run-sync")).containsSubsequence("open-sync", "lock-targets", "inspect-source", "map-types",
                "check-declared-types", "for-each-mapping", "report", "release-sync");
        assertThat(stepIds("sync-mapping")).containsSubsequence("ensure-target-table", "read-source-table",
                "batch-rows", "upsert-batch", "mapping-done");
        assertThat(stepIds("run-sync")).containsSubsequence("inspect-source", "check-modes", "map-types",
                "for-each-mapping", "run-mirror-deletes", "advance-cursors", "report");
        assertThat(stepIds("sync-mapping")).containsSubsequence("ensure-target-table", "plan-incremental-read",
                "prepare-mirror", "read-source-table", "skip-unchanged-rows");
        assertThat(stepIds("sync-mapping")).containsSubsequence("batch-rows", "publish-loaded-table", "mapping-done");
        assertThat(stepIds("mirror-deletes")).containsExactly("find-absent-keys", "guard-mass-delete", "delete-absent-rows");
    }

    @Test
    void aWriterFailureAdvisedIntoTheChainIs503WithThePartialReport() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        AdviceWith.adviceWith((ModelCamelContext) camel, "sync-mapping", route -> route.weaveById("upsert-batch")
                .before().process(exchange -> {
                    if (batches.incrementAndGet() == 2) {
                        throw TargetErrors.unavailable(new SQLException("the target went away", "08006"));
                    }
                }));

        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"),
                "mappings", List.of(mapping("public.chain_items", "chain_items", List.of("id"), null))));

        assertThat(response.status()).as(response.body()).isEqualTo(503);
        assertThat(response.json().get("report").get("status").asText()).isEqualTo("failed");
        assertThat(response.json().get("mappings").get(0).get("status").asText()).isEqualTo("failed");
        assertThat(response.body()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }
}
