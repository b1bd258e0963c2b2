package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.system.CapturedOutput;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * The egress policy at the API: a source the policy refuses is a 422 on {@code source.host} with
 * nothing written, whatever listens there. (The tests' service allows loopback, where the test
 * sources run; EgressPolicyTest proves the defaults and that no connection is attempted.)
 */
class SourceEgressTest extends ConnectorTest {

    private Map<String, Object> body(String host, int port, String table) {
        Map<String, Object> source = new HashMap<>(tlsSource("require"));
        source.put("host", host);
        source.put("port", port);
        return Map.of("source", source, "mappings", List.of(mapping("public." + table, table, List.of("id"), null)));
    }

    private void assertRefused(Response response, String table) {
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("source.host");
        assertThat(response.body()).doesNotContainIgnoringCase("target store").doesNotContainIgnoringCase("denied")
                .doesNotContainIgnoringCase("refused,").doesNotContain("SSL").doesNotContain("TLS");
        assertThat(tableExists(target(), "acme." + table)).isFalse();
    }

    @Test
    void theMetadataAddressAndTheUnspecifiedAddressesAreRefused(CapturedOutput output) {
        TestDatabases.execute(source(), "CREATE TABLE IF NOT EXISTS public.egress_orders (id int PRIMARY KEY)",
                "GRANT SELECT ON public.egress_orders TO readonly");

        assertRefused(post("acme", ACME_TOKEN, body("169.254.169.254", 80, "egress_orders")), "egress_orders");
        assertRefused(post("acme", ACME_TOKEN, body("fe80::1", 5432, "egress_orders")), "egress_orders");
        // On Linux 0.0.0.0 reaches this machine: here the TLS source itself.
        assertRefused(post("acme", ACME_TOKEN, body("0.0.0.0", dbs.tlsSource.getPort(), "egress_orders")), "egress_orders");
        assertRefused(post("acme", ACME_TOKEN, body("::", dbs.tlsSource.getPort(), "egress_orders")), "egress_orders");
        assertThat(output.getAll()).doesNotContain(TestDatabases.SOURCE_PASSWORD);
    }

    @Test
    void cloudMetadataEndpointsOutsideTheDeniedNetworksAreRefusedToo() {
        // Neither is inside this service's denied networks: the metadata endpoints are refused by themselves.
        assertRefused(post("acme", ACME_TOKEN, body("100.100.100.200", 5432, "egress_metadata")), "egress_metadata");
        assertRefused(post("acme", ACME_TOKEN, body("fd00:ec2::254", 5432, "egress_metadata")), "egress_metadata");
        assertRefused(post("acme", ACME_TOKEN, body("[fd20:ce::254]", 80, "egress_metadata")), "egress_metadata");
    }

    @Test
    void theTargetStoresOwnEndpointAndTheServiceItselfAreRefusedUnderAnyLocalName() {
        for (String host : List.of("localhost", "127.0.0.1", "127.0.0.2")) {
            assertRefused(post("acme", ACME_TOKEN, body(host, dbs.target.getPort(), "egress_target")), "egress_target");
            assertRefused(post("acme", ACME_TOKEN, body(host, port, "egress_target")), "egress_target");
        }
    }

    @Test
    void aHostThatIsNoHostNameIs400AndANameThatDoesNotResolveIs502() {
        Response malformed = post("acme", ACME_TOKEN, body("db..example.com", 5432, "egress_names"));
        assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
        assertThat(malformed.json().get("errors").get(0).get("field").asText()).isEqualTo("source.host");

        Response unknown = post("acme", ACME_TOKEN, body("no-such-source.invalid", 5432, "egress_names"));
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(502);
        assertThat(unknown.json().get("detail").asText()).contains("does not resolve");
        assertThat(tableExists(target(), "acme.egress_names")).isFalse();
    }

    @Test
    void connectionFailuresDoNotTellRefusedFromNotTlsFromNotPostgres() throws IOException {
        // Nothing listens on port 1; the plain source speaks PostgreSQL without TLS; the HTTP API is no PostgreSQL.
        String refused = post("acme", ACME_TOKEN, body("localhost", 1, "egress_scan")).json().get("detail").asText();
        String plain = post("acme", ACME_TOKEN, body("localhost", dbs.plainSource.getPort(), "egress_scan")).json().get("detail").asText();
        try (ServerSocket http = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            Thread answering = new Thread(() -> {
                while (!http.isClosed()) {
                    try (Socket client = http.accept()) {
                        client.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException closed) {
                        // The test is over.
                    }
                }
            });
            answering.setDaemon(true);
            answering.start();
            String notPostgres = post("acme", ACME_TOKEN, body("localhost", http.getLocalPort(), "egress_scan")).json()
                    .get("detail").asText();
            assertThat(notPostgres.replace(String.valueOf(http.getLocalPort()), "1")).isEqualTo(refused);
        }
        assertThat(plain.replace(String.valueOf(dbs.plainSource.getPort()), "1")).isEqualTo(refused);
        assertThat(refused).contains("no PostgreSQL server accepted a TLS connection");
    }
}
