package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * Requests that must be refused: the right status, a problem+json naming the field at fault, never
 * a stack trace or the password, and nothing written to the target.
 */
class RequestRejectionTest extends ConnectorTest {

    @BeforeAll
    static void seed() {
        TestDatabases.execute(dbs.source(),
                "CREATE TABLE IF NOT EXISTS public.accounts (id int PRIMARY KEY, owner text, balance numeric(10,2))",
                "INSERT INTO public.accounts SELECT g, 'owner ' || g, g FROM generate_series(1, 20) g ON CONFLICT DO NOTHING");
    }

    private CapturedOutput output;

    @AfterEach
    void nothingLeaked() {
        if (output != null) {
            assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
        }
    }

    private Map<String, Object> body(Object mapping) {
        return Map.of("source", tlsSource("require"), "mappings", List.of(mapping));
    }

    private static Map<String, Object> accounts(String target) {
        return mapping("public.accounts", target, List.of("id"), List.of("id", "owner", "balance"));
    }

    private static void assertProblem(Response response, int status, String field) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode json = response.json();
        assertThat(json.get("type").asText()).startsWith("https://");
        assertThat(json.get("title").asText()).isNotBlank();
        assertThat(json.get("status").asInt()).isEqualTo(status);
        assertThat(json.get("detail").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain(TestDatabases.SOURCE_PASSWORD).doesNotContain("\tat ")
                .doesNotContain("Exception");
        if (field != null) {
            List<String> fields = new ArrayList<>();
            json.get("errors").forEach(e -> fields.add(e.get("field").asText()));
            assertThat(fields).contains(field);
        }
    }

    private void assertNothingWritten(String table) {
        assertThat(tableExists(target(), "acme." + table)).isFalse();
    }

    @Test
    void noTokenIs401WithBearerChallenge(CapturedOutput output) {
        this.output = output;
        Response response = post("acme", null, body(accounts("auth_none")));
        assertProblem(response, 401, null);
        assertThat(response.wwwAuthenticate()).startsWith("Bearer");
        assertNothingWritten("auth_none");
    }

    @Test
    void anUnknownTokenIs401() {
        Response response = post("acme", "not-a-token", body(accounts("auth_bad")));
        assertProblem(response, 401, null);
        assertThat(response.wwwAuthenticate()).startsWith("Bearer");
        assertNothingWritten("auth_bad");
    }

    @Test
    void anotherTenantsTokenIs403() {
        Response response = post("acme", GLOBEX_TOKEN, body(accounts("auth_other")));
        assertProblem(response, 403, null);
        assertNothingWritten("auth_other");
    }

    @Test
    void anUnknownTenantWithAValidTokenIs403() {
        Response response = post("public", ACME_TOKEN, body(accounts("auth_public")));
        assertProblem(response, 403, null);
        assertThat(tableExists(target(), "public.auth_public")).isFalse();
    }

    @Test
    void malformedJsonIs400WithoutEchoingTheBody(CapturedOutput output) {
        this.output = output;
        Response response = post("acme", ACME_TOKEN, "application/json",
                "{\"source\": {\"password\": \"" + TestDatabases.SOURCE_PASSWORD + "\" oops");
        assertProblem(response, 400, "body");
    }

    @Test
    void notJsonIs415() {
        Response response = post("acme", ACME_TOKEN, "text/plain", "hello");
        assertProblem(response, 415, null);
    }

    @Test
    void anOversizedBodyIs413() {
        Response response = post("acme", ACME_TOKEN, "application/json", "{\"pad\": \"" + "x".repeat(1_100_000) + "\"}");
        assertProblem(response, 413, null);
    }

    @Test
    void missingFieldsAreEachNamed() {
        Map<String, Object> source = new HashMap<>(tlsSource("require"));
        source.remove("host");
        source.remove("password");
        Response response = post("acme", ACME_TOKEN, Map.of("source", source,
                "mappings", List.of(Map.of("source_table", "public.accounts", "primary_key", List.of()))));
        assertProblem(response, 400, "source.host");
        List<String> fields = new ArrayList<>();
        response.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
        assertThat(fields).contains("source.password", "mappings[0].target_schema", "mappings[0].primary_key");
    }

    @Test
    void noMappingsIs400() {
        assertProblem(post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of())), 400, "mappings");
    }

    @Test
    void aPrimaryKeyOutsideTheColumnsIs400() {
        Response response = post("acme", ACME_TOKEN, body(mapping("public.accounts", "pk_outside", List.of("id"),
                List.of("owner", "balance"))));
        assertProblem(response, 400, "mappings[0].primary_key[0]");
        assertNothingWritten("pk_outside");
    }

    @Test
    void anUnknownTableIs422() {
        Response response = post("acme", ACME_TOKEN, body(mapping("public.no_such_table", "unknown_table", List.of("id"), null)));
        assertProblem(response, 422, "mappings[0].source_table");
        assertNothingWritten("unknown_table");
    }

    @Test
    void anUnknownColumnIs422NamingIt() {
        Response response = post("acme", ACME_TOKEN, body(mapping("public.accounts", "unknown_column", List.of("id"),
                List.of("id", "owner", "shoe_size"))));
        assertProblem(response, 422, "mappings[0].columns[2]");
        assertThat(response.json().get("errors").get(0).get("message").asText()).contains("shoe_size");
        assertNothingWritten("unknown_column");
    }

    @Test
    void oneBadMappingMeansNoMappingIsWritten() {
        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(
                accounts("good_but_not_alone"),
                mapping("public.accounts", "bad_neighbour", List.of("id"), List.of("id", "nope")))));
        assertProblem(response, 422, "mappings[1].columns[1]");
        assertNothingWritten("good_but_not_alone");
        assertNothingWritten("bad_neighbour");
    }

    @Test
    void identifiersBuiltToInjectSqlAreRefusedAndHarmless() {
        String[] hostileTables = {
                "public.accounts; DROP TABLE public.accounts; --",
                "public.accounts\" ; DROP TABLE public.accounts; --",
                "public.\"accounts\"",
        };
        for (String table : hostileTables) {
            Response response = post("acme", ACME_TOKEN, body(mapping(table, "injected", List.of("id"), null)));
            // 400 when the shape is wrong (a dot too many), 422 when the catalog has no such table.
            assertProblem(response, response.status() == 400 ? 400 : 422, "mappings[0].source_table");
        }
        Response column = post("acme", ACME_TOKEN, body(mapping("public.accounts", "injected", List.of("id"),
                List.of("id", "owner\" FROM public.accounts; DROP TABLE public.accounts; --"))));
        assertProblem(column, 422, "mappings[0].columns[1]");
        Response target = post("acme", ACME_TOKEN, body(mapping("public.accounts", "x\"; DROP SCHEMA acme CASCADE; --",
                List.of("id"), null)));
        assertProblem(target, 400, "mappings[0].target_schema");
        Response tenant = post("acme%22%3B%20DROP", ACME_TOKEN, body(accounts("injected")));
        assertThat(tenant.status()).isIn(400, 401, 403, 404);

        assertThat(TestDatabases.single(source(), "SELECT count(*) FROM public.accounts")).isEqualTo("20");
        assertNothingWritten("injected");
    }

    @Test
    void aPrimaryKeyThatIsNotUniqueAtTheSourceIs422AndNothingIsWritten() {
        TestDatabases.execute(source(),
                "CREATE TABLE IF NOT EXISTS public.visits (visitor int, day date, pages int)",
                "TRUNCATE public.visits",
                "INSERT INTO public.visits VALUES (1, '2026-01-01', 3), (2, '2026-01-01', 4), (1, '2026-01-01', 9)");
        Response response = post("acme", ACME_TOKEN, body(mapping("public.visits", "visits", List.of("visitor", "day"), null)));

        assertProblem(response, 422, "mappings[0].primary_key");
        assertThat(response.json().get("errors").get(0).get("message").asText()).contains("(1,2026-01-01)");
        assertNothingWritten("visits");
    }

    @Test
    void aSyncAlreadyRunningOnTheSameTargetIs409() throws Exception {
        try (Connection other = target().getConnection();
             PreparedStatement lock = other.prepareStatement(
                     "SELECT pg_advisory_lock(hashtextextended('originchain.sync:acme.locked_target', 0))")) {
            lock.execute();
            Response response = post("acme", ACME_TOKEN, body(accounts("locked_target")));
            assertProblem(response, 409, null);
            assertNothingWritten("locked_target");
            try (PreparedStatement unlock = other.prepareStatement(
                    "SELECT pg_advisory_unlock(hashtextextended('originchain.sync:acme.locked_target', 0))")) {
                unlock.execute();
            }
        }
        Response afterwards = post("acme", ACME_TOKEN, body(accounts("locked_target")));
        assertThat(afterwards.status()).as(afterwards.body()).isEqualTo(200);
    }

    @Test
    void aConflictingExistingTargetIs422AndUntouched() {
        TestDatabases.execute(target(),
                "CREATE SCHEMA IF NOT EXISTS acme",
                "DROP TABLE IF EXISTS acme.conflicting",
                "CREATE TABLE acme.conflicting (id int PRIMARY KEY, owner int, balance numeric(10,2))",
                "INSERT INTO acme.conflicting VALUES (1, 42, 1.00)");
        Response response = post("acme", ACME_TOKEN, body(accounts("conflicting")));
        assertProblem(response, 422, "mappings[0].columns[1]");
        assertThat(response.json().get("errors").get(0).get("message").asText()).contains("integer").contains("text");
        assertThat(TestDatabases.query(target(), "SELECT id, owner FROM acme.conflicting")).containsExactly(List.of("1", "42"));
    }
}
