package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/** sslmode as the contract has it: plaintext refused up front, require encrypts, verify-full verifies. */
class SourceTlsTest extends ConnectorTest {

    @BeforeAll
    static void seed() {
        TestDatabases.execute(dbs.source(),
                "CREATE TABLE IF NOT EXISTS public.tls_items (id int PRIMARY KEY, name text)",
                "INSERT INTO public.tls_items SELECT g, 'item ' || g FROM generate_series(1, 50) g ON CONFLICT DO NOTHING");
        TestDatabases.execute(dbs.plainSource.getDatabase("postgres", TestDatabases.SOURCE_DB),
                "CREATE TABLE IF NOT EXISTS public.tls_items (id int PRIMARY KEY, name text)");
    }

    private Map<String, Object> body(Map<String, Object> source, String target) {
        return Map.of("source", source, "mappings", List.of(mapping("public.tls_items", target, List.of("id"), null)));
    }

    private static Map<String, Object> with(Map<String, Object> source, String key, Object value) {
        Map<String, Object> copy = new HashMap<>(source);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        return copy;
    }

    @ParameterizedTest
    @ValueSource(strings = {"disable", "prefer", "allow", "verify-ca", "REQUIRE", ""})
    void plaintextAndUnverifiedModesAreRefusedBeforeAnyConnection(String sslmode) {
        // Port 1 has no server: had the service tried to connect, the answer would be 502, not 400.
        Map<String, Object> source = with(with(tlsSource("require"), "sslmode", sslmode), "port", 1);
        Response response = post("acme", ACME_TOKEN, body(source, "tls_refused"));

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("source.sslmode");
        assertThat(tableExists(target(), "acme.tls_refused")).isFalse();
    }

    @Test
    void missingSslmodeIsRefused() {
        Response response = post("acme", ACME_TOKEN, body(with(with(tlsSource("require"), "sslmode", null), "port", 1), "tls_refused"));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("source.sslmode");
    }

    @Test
    void requireAgainstAServerWithoutTlsFailsWith502() {
        Map<String, Object> source = with(tlsSource("require"), "port", dbs.plainSource.getPort());
        Response response = post("acme", ACME_TOKEN, body(source, "tls_plain"));

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("detail").asText()).contains("not TLS");
        assertThat(tableExists(target(), "acme.tls_plain")).isFalse();
    }

    @Test
    void verifyFullWithTheRightCaSyncs(CapturedOutput output) {
        Map<String, Object> source = with(tlsSource("verify-full"), "sslrootcert", dbs.sourceCa.caPem());
        Response response = post("acme", ACME_TOKEN, body(source, "tls_verified"));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.tls_verified")).isEqualTo("50");
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    @Test
    void verifyFullWithAnotherCaFailsWith502() {
        Map<String, Object> source = with(tlsSource("verify-full"), "sslrootcert", dbs.otherCa.caPem());
        Response response = post("acme", ACME_TOKEN, body(source, "tls_wrong_ca"));

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(tableExists(target(), "acme.tls_wrong_ca")).isFalse();
    }

    @Test
    void verifyFullWithoutSslrootcertUsesTheJvmTrustStoreAndRefusesAPrivateCa() {
        Response response = post("acme", ACME_TOKEN, body(tlsSource("verify-full"), "tls_jvm_trust"));

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(tableExists(target(), "acme.tls_jvm_trust")).isFalse();
    }

    @Test
    void verifyFullAgainstACertificateForAnotherHostNameFailsWith502() {
        // The server's certificate names localhost only; 127.0.0.1 is the same server under another name.
        Map<String, Object> source = with(with(tlsSource("verify-full"), "sslrootcert", dbs.sourceCa.caPem()),
                "host", "127.0.0.1");
        Response response = post("acme", ACME_TOKEN, body(source, "tls_wrong_host"));

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("detail").asText()).contains("127.0.0.1");
        assertThat(tableExists(target(), "acme.tls_wrong_host")).isFalse();
    }

    @Test
    void requireAcceptsAnyCertificateButStillEncrypts() {
        Map<String, Object> source = with(tlsSource("require"), "host", "127.0.0.1");
        Response response = post("acme", ACME_TOKEN, body(source, "tls_require_ip"));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        // The server's pg_hba.conf only admits this role over hostssl, so a 200 proves the link was encrypted.
        assertThat(TestDatabases.single(target(), "SELECT count(*) FROM acme.tls_require_ip")).isEqualTo("50");
    }

    @Test
    void aWrongPasswordFailsWith502AndIsNeverEchoed(CapturedOutput output) {
        Map<String, Object> source = with(tlsSource("require"), "password", "pw-Wrong-Canary-55aa");
        Response response = post("acme", ACME_TOKEN, body(source, "tls_bad_password"));

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("detail").asText()).contains("password authentication failed");
        assertThat(response.body()).doesNotContain("pw-Wrong-Canary-55aa");
        assertThat(output.getAll()).doesNotContain("pw-Wrong-Canary-55aa").doesNotContain(TestDatabases.SOURCE_PASSWORD);
        assertThat(tableExists(target(), "acme.tls_bad_password")).isFalse();
    }

    @Test
    void anUnreachableSourceFailsWith502() {
        Response response = post("acme", ACME_TOKEN, body(with(tlsSource("require"), "port", 1), "tls_unreachable"));

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).endsWith("/source-failed");
        assertThat(tableExists(target(), "acme.tls_unreachable")).isFalse();
    }
}
