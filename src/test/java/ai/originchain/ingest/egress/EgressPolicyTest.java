package ai.originchain.ingest.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.postgres.SourceConnector;
import ai.originchain.ingest.source.postgres.SourceSnapshot;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * The egress policy with its defaults (docs/security.md, Egress policy), against real servers and a listener that
 * records every accepted connection: a refused host fails before any connection is attempted.
 */
class EgressPolicyTest {

    private static final TestDatabases dbs = TestDatabases.get();

    private static IngestProperties defaults() {
        return new IngestProperties();
    }

    private static SyncFailure refusal(EgressPolicy policy, String host, int port) {
        return catchThrowableOfType(SyncFailure.class, () -> policy.check("source.host", host, port));
    }

    private static SourceSpec source(String host, int port, SourceSpec.SslMode mode, String rootCert) {
        return new SourceSpec(host, port, TestDatabases.SOURCE_DB, TestDatabases.SOURCE_USER,
                TestDatabases.SOURCE_PASSWORD.toCharArray(), mode, rootCert);
    }

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "0.0.0.0", "::", "[::]", "127.0.0.1", "127.8.9.10", "localhost", "::1",
            "[::1]", "::ffff:127.0.0.1", "fe80::1", "224.0.0.251", "ff02::1"})
    void theDefaultsRefuseLoopbackLinkLocalMulticastAndUnspecifiedAddresses(String host) {
        SyncFailure refused = refusal(new EgressPolicy(defaults()), host, 5432);

        assertThat(refused).as(host).isNotNull();
        assertThat(refused.kind()).isEqualTo(SyncFailure.Kind.MISMATCH);
        assertThat(refused.errors().get(0).field()).isEqualTo("source.host");
        // Says no more than "refused": not which rule, nor what listens there.
        assertThat(refused.getMessage()).contains("refused by its egress policy")
                .doesNotContainIgnoringCase("loopback").doesNotContainIgnoringCase("denied")
                .doesNotContainIgnoringCase("target").doesNotContainIgnoringCase("link");
    }

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.7", "8.8.8.8", "2001:db8::7", "[2001:db8::7]", "10.1.2.3", "192.168.1.1"})
    void theDefaultsAllowOtherAddressesAndConnectOnlyToTheCheckedOnes(String host) {
        CheckedEndpoint checked = new EgressPolicy(defaults()).check("source.host", host, 5432);

        assertThat(checked.addresses()).isNotEmpty();
        assertThat(checked.port()).isEqualTo(5432);
        assertThat(CheckedEndpoint.fromText(checked.host(), checked.toText())).isEqualTo(checked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "fd00:ec2::254", "[fd00:ec2::254]", "fd20:ce::254", "169.254.170.2",
            "169.254.170.23", "fd00:ec2::23", "100.100.100.200", "168.63.129.16",
            // The same IPv4 endpoints inside IPv6: mapped, compatible, NAT64, 6to4.
            "::ffff:169.254.169.254", "::ffff:100.100.100.200", "::a9fe:a9fe", "64:ff9b::6464:64c8", "2002:a9fe:a9fe::1"})
    void cloudMetadataEndpointsAreRefusedOnEveryPortWhateverTheSettingsSay(String host) {
        IngestProperties properties = defaults();
        properties.getSource().setDeniedNetworks(List.of());
        properties.getSource().setAllowedNetworks(List.of("0.0.0.0/0", "::/0"));
        String literal = host.startsWith("[") ? host : host.contains(":") ? "[" + host + "]" : host;
        properties.getSource().setAllowedEndpoints(List.of(literal + ":80", literal + ":443", literal + ":5432"));
        EgressPolicy policy = new EgressPolicy(properties);
        policy.allowEndpoint(host, 3306);

        for (int port : new int[] {80, 443, 5432, 3306, 8775}) {
            SyncFailure refused = refusal(policy, host, port);
            assertThat(refused).as(host + ":" + port).isNotNull();
            assertThat(refused.kind()).isEqualTo(SyncFailure.Kind.MISMATCH);
            assertThat(refused.errors().get(0).field()).isEqualTo("source.host");
            assertThat(refused.getMessage()).contains("refused by its egress policy").doesNotContainIgnoringCase("metadata");
        }
        // The webhook's field gets the same answer.
        assertThat(catchThrowableOfType(SyncFailure.class, () -> policy.check("webhook.url", host, 443))
                .errors().get(0).field()).isEqualTo("webhook.url");
    }

    @Test
    void addressesBesideTheMetadataEndpointsStayOpenWhenTheSettingsOpenThem() {
        IngestProperties properties = defaults();
        properties.getSource().setDeniedNetworks(List.of());
        EgressPolicy policy = new EgressPolicy(properties);

        for (String host : List.of("169.254.169.253", "100.100.100.201", "fd00:ec2::255", "168.63.129.17", "::ffff:100.100.100.201")) {
            assertThat(policy.check("source.host", host, 5432).addresses()).as(host).hasSize(1);
        }
    }

    @Test
    void deniedNetworksWinOverAllowedOnesAndNothingOutsideTheAllowedOnesGoesThrough() {
        IngestProperties properties = defaults();
        properties.getSource().setAllowedNetworks(List.of("10.0.0.0/8", "2001:db8::/32"));
        properties.getSource().setDeniedNetworks(List.of("10.1.0.0/16", "2001:db8:bad::/48"));
        EgressPolicy policy = new EgressPolicy(properties);

        assertThat(policy.check("source.host", "10.2.3.4", 5432).addresses()).hasSize(1);
        assertThat(policy.check("source.host", "2001:db8:1::1", 5432).addresses()).hasSize(1);
        assertThat(refusal(policy, "10.1.2.3", 5432)).isNotNull();
        assertThat(refusal(policy, "2001:db8:bad::1", 5432)).isNotNull();
        assertThat(refusal(policy, "11.0.0.1", 5432)).isNotNull();
        // Loopback is in no allowed network here, though no longer denied.
        assertThat(refusal(policy, "127.0.0.1", 5432)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a..b", "-db.example.com", "db-.example.com", "1.2.3", "2130706433", "0x7f.0.0.1", "010.0.0.1",
            "256.1.1.1", "[::1", "[db.example.com]", "db.example.123", "exa mple.com", "::g", "."})
    void aHostThatIsNeitherADnsNameNorAnIpLiteralIs400(String host) {
        SyncFailure invalid = refusal(new EgressPolicy(defaults()), host, 5432);

        assertThat(invalid).as(host).isNotNull();
        assertThat(invalid.kind()).isEqualTo(SyncFailure.Kind.INVALID_REQUEST);
        assertThat(invalid.errors().get(0).field()).isEqualTo("source.host");
    }

    @Test
    void aNameThatDoesNotResolveIs502() {
        SyncFailure failed = refusal(new EgressPolicy(defaults()), "no-such-source.invalid", 5432);

        assertThat(failed.kind()).isEqualTo(SyncFailure.Kind.SOURCE_FAILED);
        assertThat(failed.getMessage()).contains("does not resolve");
    }

    @Test
    void aProtectedEndpointIsRefusedUnderEveryLocalNameEvenWhenAllowedExplicitly() {
        IngestProperties properties = defaults();
        properties.getSource().setDeniedNetworks(List.of());
        properties.getSource().setAllowedEndpoints(List.of("localhost:6543"));
        EgressPolicy policy = new EgressPolicy(properties);
        policy.protectEndpoint("localhost", 6543);

        for (String host : List.of("localhost", "127.0.0.1", "127.0.0.2", "::1")) {
            assertThat(refusal(policy, host, 6543)).as(host).isNotNull();
        }
        assertThat(policy.check("source.host", "127.0.0.1", 6544).addresses()).hasSize(1);
    }

    @Test
    void aRefusedSourceIsRefusedBeforeAnyConnectionAttempt() throws Exception {
        try (AcceptRecorder listener = new AcceptRecorder()) {
            // Defaults: loopback denied, the unspecified address always refused (on Linux it reaches this machine).
            SourceConnector defaults = new SourceConnector(defaults(), new EgressPolicy(defaults()));
            // Loopback allowed, but the listener protected as the target store's own endpoint.
            IngestProperties open = defaults();
            open.getSource().setDeniedNetworks(List.of());
            EgressPolicy protecting = new EgressPolicy(open);
            protecting.protectEndpoint("localhost", listener.port());
            SourceConnector targetStoreProtected = new SourceConnector(open, protecting);

            for (String host : List.of("localhost", "127.0.0.1", "0.0.0.0")) {
                assertRefused(defaults, source(host, listener.port(), SourceSpec.SslMode.REQUIRE, null));
                assertRefused(targetStoreProtected, source(host, listener.port(), SourceSpec.SslMode.REQUIRE, null));
            }
            assertRefused(defaults, source("localhost", dbs.tlsSource.getPort(), SourceSpec.SslMode.REQUIRE, null));
            assertThat(listener.accepted()).isZero();

            // The control: allowed, the same attempt does reach the listener (which speaks no PostgreSQL).
            SourceConnector allowing = new SourceConnector(open, new EgressPolicy(open));
            SQLException notPostgres = catchThrowableOfType(SQLException.class,
                    () -> SourceSnapshot.open(allowing, source("localhost", listener.port(), SourceSpec.SslMode.REQUIRE, null)));
            assertThat(notPostgres.getMessage()).isNotNull();
            await().until(() -> listener.accepted() > 0);
        }
    }

    private static void assertRefused(SourceConnector connector, SourceSpec source) {
        SyncFailure refused = catchThrowableOfType(SyncFailure.class, () -> SourceSnapshot.open(connector, source));
        assertThat(refused).as(source.toString()).isNotNull();
        assertThat(refused.kind()).isEqualTo(SyncFailure.Kind.MISMATCH);
        assertThat(refused.errors().get(0).field()).isEqualTo("source.host");
    }

    @Test
    void anAllowedEndpointConnectsToItsCheckedAddressAndVerifyFullStillChecksTheNameGiven() throws SQLException {
        IngestProperties properties = defaults();
        EgressPolicy policy = new EgressPolicy(properties);
        policy.allowEndpoint("localhost", dbs.tlsSource.getPort());
        SourceConnector connector = new SourceConnector(properties, policy);
        CheckedEndpoint checked = policy.check("source.host", "localhost", dbs.tlsSource.getPort());

        // The certificate names "localhost" only, and the socket goes to a checked IP: the host-name check
        // must have used the name the user gave, or this would fail.
        try (SourceSnapshot snapshot = SourceSnapshot.open(connector,
                source("localhost", dbs.tlsSource.getPort(), SourceSpec.SslMode.VERIFY_FULL, dbs.sourceCa.caPem()), "egress-test");
             Statement st = snapshot.coordinator().createStatement();
             ResultSet rs = st.executeQuery("SELECT host(inet_server_addr()), ssl, current_setting('application_name') "
                     + "FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(checked.addresses().stream().map(java.net.InetAddress::getHostAddress)).contains(rs.getString(1));
            assertThat(rs.getBoolean(2)).isTrue();
            assertThat(rs.getString(3)).isEqualTo("originchain egress-test");
        }

        // The same checked address under a name the certificate does not carry: verify-full refuses it.
        policy.allowEndpoint("127.0.0.1", dbs.tlsSource.getPort());
        SQLException wrongName = catchThrowableOfType(SQLException.class, () -> SourceSnapshot.open(connector,
                source("127.0.0.1", dbs.tlsSource.getPort(), SourceSpec.SslMode.VERIFY_FULL, dbs.sourceCa.caPem())));
        assertThat(wrongName.getMessage()).contains("hostname 127.0.0.1 could not be verified");
    }
}
