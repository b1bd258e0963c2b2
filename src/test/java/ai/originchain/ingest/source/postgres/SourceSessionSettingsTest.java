package ai.originchain.ingest.source.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.egress.EgressPolicy;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;

/** The server settings each source session starts with, as the source itself reports them. */
class SourceSessionSettingsTest {

    private static final String SETTINGS = "SELECT current_setting('application_name'), current_setting('lock_timeout'), "
            + "current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout')";

    private static List<String> settings(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(SETTINGS)) {
            rs.next();
            return List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
        }
    }

    @Test
    void theCatalogSessionIsBoundedByStatementTimeoutAndTheSyncLimitAndReadersByLockAndIdleTimeouts() throws SQLException {
        TestDatabases.get();
        IngestProperties properties = new IngestProperties();
        properties.getSource().setDeniedNetworks(List.of(TestDatabases.DENIED_NETWORKS_BUT_LOOPBACK.split(",")));
        properties.getSource().setLockTimeout(Duration.ofSeconds(3));
        properties.getSource().setStatementTimeout(Duration.ofSeconds(45));
        properties.getSource().setIdleInTransactionTimeout(Duration.ofMinutes(7));
        properties.getSource().setMaxSyncDuration(Duration.ofHours(1));
        SourceConnector connector = new SourceConnector(properties, new EgressPolicy(properties));

        try (SourceSnapshot snapshot = SourceSnapshot.open(connector, Manifests.tlsSource(), "6f1c-test");
             Connection reader = snapshot.joinSnapshot()) {
            assertThat(settings(snapshot.coordinator())).containsExactly("originchain 6f1c-test", "3s", "45s", "61min");
            // Readers take as long as their table: no statement_timeout of ours (the role's own, if any, stays).
            assertThat(settings(reader)).containsExactly("originchain 6f1c-test", "3s", "0", "7min");
        }
    }
}
