package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

import org.postgresql.Driver;
import org.postgresql.PGProperty;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.egress.EgressPolicy;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * Opens connections to a request's source, always over TLS and only to addresses the
 * {@link EgressPolicy} checked. The password goes to the driver in connection properties, never in
 * a URL, so no connection string with it exists to be logged. Every session carries the settings
 * that keep it from hurting the source (docs/sources.md, "Source sessions"): {@code lock_timeout},
 * {@code idle_in_transaction_session_timeout}, {@code statement_timeout} for catalog sessions, and an
 * {@code application_name} naming the sync.
 */
@Component
public class SourceConnector {

    static final String APPLICATION_NAME = "originchain";

    /** What a session is for: the coordinator reads the catalog and holds the snapshot; readers stream tables. */
    public enum Role { COORDINATOR, READER }

    private final IngestProperties.Source settings;
    private final EgressPolicy egress;
    private final Driver driver = new Driver();

    public SourceConnector(IngestProperties properties, EgressPolicy egress) {
        this.settings = properties.getSource();
        this.egress = egress;
    }

    public IngestProperties.Source settings() {
        return settings;
    }

    /** The source's checked addresses; a failure (400, 422 or 502) before any connection when the policy says no. */
    public CheckedEndpoint check(SourceSpec source) {
        return egress.check("source.host", source.host(), source.port());
    }

    /** A connection with autocommit off, ready for a read-only snapshot transaction. */
    public Connection open(SourceSpec source, CheckedEndpoint endpoint, Role role, String syncId) throws SQLException {
        String url = "jdbc:postgresql://" + hostForUrl(source.host()) + ":" + source.port() + "/";
        Properties props = properties(source);
        PGProperty.SOCKET_FACTORY.set(props, PgPinnedSocketFactory.class.getName());
        PGProperty.SOCKET_FACTORY_ARG.set(props, endpoint.toText());
        PGProperty.APPLICATION_NAME.set(props, syncId == null ? APPLICATION_NAME : APPLICATION_NAME + " " + syncId);
        PGProperty.OPTIONS.set(props, sessionOptions(role));
        Connection connection = driver.connect(url, props);
        if (connection == null) {
            throw new SQLException("the driver did not accept the source address");
        }
        connection.setAutoCommit(false);
        return connection;
    }

    /**
     * A connection of a change stream, to an address the egress policy checked: read-write only where
     * a stream must write (its publication), named {@code originchain stream <stream>} in {@code pg_stat_activity}.
     */
    public Connection openForStream(SourceSpec source, String stream) throws SQLException {
        CheckedEndpoint endpoint = check(source);
        Properties props = pinned(properties(source), endpoint);
        PGProperty.APPLICATION_NAME.set(props, APPLICATION_NAME + " stream " + stream);
        PGProperty.OPTIONS.set(props, "-c lock_timeout=" + millis(settings.getLockTimeout())
                + " -c statement_timeout=" + millis(settings.getStatementTimeout()));
        PGProperty.READ_ONLY.set(props, false);
        return connect(source, props, false);
    }

    /**
     * A logical replication connection ({@code replication=database}, simple query mode) for a stream,
     * to an address the egress policy checked, with the output settings under which pgoutput prints
     * values exactly as COPY does.
     */
    public Connection openReplication(SourceSpec source, String stream) throws SQLException {
        CheckedEndpoint endpoint = check(source);
        Properties props = pinned(properties(source), endpoint);
        PGProperty.APPLICATION_NAME.set(props, APPLICATION_NAME + " stream " + stream);
        PGProperty.READ_ONLY.set(props, false);
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.OPTIONS.set(props, "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres "
                + "-c extra_float_digits=3 -c bytea_output=hex");
        // A replication stream waits for changes as long as the source has none.
        PGProperty.SOCKET_TIMEOUT.set(props, 0);
        return connect(source, props, true);
    }

    private static Properties pinned(Properties props, CheckedEndpoint endpoint) {
        PGProperty.SOCKET_FACTORY.set(props, PgPinnedSocketFactory.class.getName());
        PGProperty.SOCKET_FACTORY_ARG.set(props, endpoint.toText());
        return props;
    }

    private Connection connect(SourceSpec source, Properties props, boolean autoCommit) throws SQLException {
        String url = "jdbc:postgresql://" + hostForUrl(source.host()) + ":" + source.port() + "/";
        Connection connection = driver.connect(url, props);
        if (connection == null) {
            throw new SQLException("the driver did not accept the source address");
        }
        if (!autoCommit) {
            connection.setAutoCommit(false);
        }
        return connection;
    }

    /**
     * Server settings sent in the startup packet, so they hold before the first statement (a reader's
     * first statement must be {@code SET TRANSACTION SNAPSHOT}). The coordinator sits idle in its
     * transaction by design while the tables are read: its idle limit is the sync's own limit.
     */
    String sessionOptions(Role role) {
        StringBuilder options = new StringBuilder("-c lock_timeout=").append(millis(settings.getLockTimeout()));
        if (role == Role.COORDINATOR) {
            options.append(" -c statement_timeout=").append(millis(settings.getStatementTimeout()));
            options.append(" -c idle_in_transaction_session_timeout=")
                    .append(millis(settings.getMaxSyncDuration().plusMinutes(1)));
        } else {
            options.append(" -c idle_in_transaction_session_timeout=").append(millis(settings.getIdleInTransactionTimeout()));
        }
        return options.toString();
    }

    private static long millis(Duration duration) {
        return Math.min(Integer.MAX_VALUE, Math.max(0, duration.toMillis()));
    }

    Properties properties(SourceSpec source) {
        Properties props = new Properties();
        PGProperty.PG_DBNAME.set(props, source.database());
        PGProperty.USER.set(props, source.user());
        PGProperty.PASSWORD.set(props, source.passwordForConnect());
        PGProperty.SSL.set(props, "true");
        // One factory for every mode: the mode's trust, and a bound on every message the source sends.
        PGProperty.SSL_FACTORY.set(props, SourceSslFactory.class.getName());
        props.setProperty(SourceSslFactory.MAX_ROW_BYTES, Long.toString(settings.getMaxRowBytes()));
        switch (source.sslMode()) {
            // libpq semantics: encrypt, but do not validate; never pick up a stray ~/.postgresql/root.crt.
            case REQUIRE -> PGProperty.SSL_MODE.set(props, "require");
            case VERIFY_FULL -> {
                PGProperty.SSL_MODE.set(props, "verify-full");
                if (source.sslRootCertPem() != null) {
                    PGProperty.SSL_FACTORY_ARG.set(props, source.sslRootCertPem());
                }
            }
        }
        PGProperty.GSS_ENC_MODE.set(props, "disable");
        PGProperty.CONNECT_TIMEOUT.set(props, (int) settings.getConnectTimeout().toSeconds());
        PGProperty.LOGIN_TIMEOUT.set(props, (int) settings.getConnectTimeout().toSeconds());
        PGProperty.SOCKET_TIMEOUT.set(props, (int) settings.getSocketTimeout().toSeconds());
        PGProperty.TCP_KEEP_ALIVE.set(props, true);
        PGProperty.READ_ONLY.set(props, true);
        return props;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
