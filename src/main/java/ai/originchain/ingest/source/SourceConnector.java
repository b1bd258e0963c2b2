package ai.originchain.ingest.source;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import org.postgresql.Driver;
import org.postgresql.PGProperty;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * Opens connections to a request's source, always over TLS. The password goes to the driver in
 * connection properties, never in a URL, so no connection string with it exists to be logged.
 */
@Component
public class SourceConnector {

    static final String APPLICATION_NAME = "originchain-ingest";

    private final IngestProperties.Source settings;
    private final Driver driver = new Driver();

    public SourceConnector(IngestProperties properties) {
        this.settings = properties.getSource();
    }

    /** A connection with autocommit off, ready for a read-only snapshot transaction. */
    public Connection open(SourceSpec source) throws SQLException {
        return open(source, properties(source));
    }

    /**
     * A connection of a change stream: read-write only where a stream must write (its publication),
     * named {@code originchain stream <stream>} in {@code pg_stat_activity}.
     */
    public Connection openForStream(SourceSpec source, String stream) throws SQLException {
        Properties props = properties(source);
        PGProperty.APPLICATION_NAME.set(props, "originchain stream " + stream);
        PGProperty.READ_ONLY.set(props, false);
        return open(source, props);
    }

    /**
     * A logical replication connection ({@code replication=database}, simple query mode) for a stream,
     * with the output settings under which pgoutput prints values exactly as COPY does.
     */
    public Connection openReplication(SourceSpec source, String stream) throws SQLException {
        Properties props = properties(source);
        PGProperty.APPLICATION_NAME.set(props, "originchain stream " + stream);
        PGProperty.READ_ONLY.set(props, false);
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.OPTIONS.set(props, "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres "
                + "-c extra_float_digits=3 -c bytea_output=hex");
        // A replication stream waits for changes as long as the source has none.
        PGProperty.SOCKET_TIMEOUT.set(props, 0);
        String url = "jdbc:postgresql://" + hostForUrl(source.host()) + ":" + source.port() + "/";
        Connection connection = driver.connect(url, props);
        if (connection == null) {
            throw new SQLException("the driver did not accept the source address");
        }
        return connection;
    }

    private Connection open(SourceSpec source, Properties props) throws SQLException {
        String url = "jdbc:postgresql://" + hostForUrl(source.host()) + ":" + source.port() + "/";
        Connection connection = driver.connect(url, props);
        if (connection == null) {
            throw new SQLException("the driver did not accept the source address");
        }
        connection.setAutoCommit(false);
        return connection;
    }

    Properties properties(SourceSpec source) {
        Properties props = new Properties();
        PGProperty.PG_DBNAME.set(props, source.database());
        PGProperty.USER.set(props, source.user());
        PGProperty.PASSWORD.set(props, source.passwordForConnect());
        PGProperty.SSL.set(props, "true");
        switch (source.sslMode()) {
            case REQUIRE -> {
                PGProperty.SSL_MODE.set(props, "require");
                // libpq semantics: encrypt, but do not validate; never pick up a stray ~/.postgresql/root.crt.
                PGProperty.SSL_FACTORY.set(props, org.postgresql.ssl.NonValidatingFactory.class.getName());
            }
            case VERIFY_FULL -> {
                PGProperty.SSL_MODE.set(props, "verify-full");
                if (source.sslRootCertPem() != null) {
                    PGProperty.SSL_FACTORY.set(props, PemTrustSslFactory.class.getName());
                    PGProperty.SSL_FACTORY_ARG.set(props, source.sslRootCertPem());
                } else {
                    PGProperty.SSL_FACTORY.set(props, org.postgresql.ssl.DefaultJavaSSLFactory.class.getName());
                }
            }
        }
        PGProperty.GSS_ENC_MODE.set(props, "disable");
        PGProperty.CONNECT_TIMEOUT.set(props, (int) settings.getConnectTimeout().toSeconds());
        PGProperty.LOGIN_TIMEOUT.set(props, (int) settings.getConnectTimeout().toSeconds());
        PGProperty.SOCKET_TIMEOUT.set(props, (int) settings.getSocketTimeout().toSeconds());
        PGProperty.TCP_KEEP_ALIVE.set(props, true);
        PGProperty.APPLICATION_NAME.set(props, APPLICATION_NAME);
        PGProperty.READ_ONLY.set(props, true);
        return props;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
