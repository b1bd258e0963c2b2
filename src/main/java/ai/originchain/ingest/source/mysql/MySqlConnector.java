package ai.originchain.ingest.source.mysql;

import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.egress.EgressPolicy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.springframework.stereotype.Component;

import com.mysql.cj.jdbc.NonRegisteringDriver;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * Opens connections to a MySQL (or MariaDB) source, always over TLS ({@link MySqlSocketFactory}).
 * The password goes in connection properties, never in a URL. Options that would let a server act
 * on the client (LOAD DATA LOCAL, deserialization) are off; values are read as the server writes
 * them (no tinyint-as-boolean, no year-as-date).
 */
@Component
public class MySqlConnector {

    static final String PROGRAM_NAME = "originchain-ingest";

    private final IngestProperties.Source settings;
    private final NonRegisteringDriver driver;
    private final EgressPolicy egress;

    public MySqlConnector(IngestProperties properties, EgressPolicy egress) {
        this.settings = properties.getSource();
        this.egress = egress;
        try {
            this.driver = new NonRegisteringDriver();
        } catch (SQLException e) {
            throw new IllegalStateException("MySQL Connector/J is not usable", e);
        }
    }

    /** A connection in UTC with autocommit off, not yet in a transaction. */
    public Connection open(SourceSpec source) throws SQLException {
        String host = source.host().contains(":") && !source.host().startsWith("[") ? "[" + source.host() + "]" : source.host();
        String url = "jdbc:mysql://" + host + ":" + source.port() + "/";
        // The egress policy decides before any connection (422 on source.host); the socket goes to a checked address.
        CheckedEndpoint endpoint = egress.check("source.host", source.host(), source.port());
        MySqlSocketFactory.OPENING.set(new MySqlSocketFactory.Opening(endpoint, source.sslMode(), source.sslRootCertPem(),
                settings.getConnectTimeout()));
        Connection connection;
        try {
            connection = driver.connect(url, properties(source));
        } finally {
            MySqlSocketFactory.OPENING.remove();
        }
        if (connection == null) {
            throw new SQLException("the driver did not accept the source address");
        }
        try (Statement st = connection.createStatement()) {
            st.execute("SET SESSION time_zone = '+00:00'");
            connection.setAutoCommit(false);
            return connection;
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    Properties properties(SourceSpec source) {
        Properties props = new Properties();
        props.setProperty("user", source.user());
        props.setProperty("password", source.passwordForConnect());
        // TLS is always required; MySqlSocketFactory does the handshake and, for verify-full, the checks.
        props.setProperty("sslMode", "REQUIRED");
        props.setProperty("socketFactory", MySqlSocketFactory.class.getName());
        props.setProperty("connectTimeout", String.valueOf(settings.getConnectTimeout().toMillis()));
        props.setProperty("socketTimeout", String.valueOf(settings.getSocketTimeout().toMillis()));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("characterEncoding", "UTF-8");
        props.setProperty("connectionAttributes", "program_name:" + PROGRAM_NAME);
        props.setProperty("allowLoadLocalInfile", "false");
        props.setProperty("allowUrlInLocalInfile", "false");
        props.setProperty("autoDeserialize", "false");
        props.setProperty("allowPublicKeyRetrieval", "false");
        props.setProperty("autoReconnect", "false");
        props.setProperty("useCursorFetch", "false");
        props.setProperty("useServerPrepStmts", "false");
        props.setProperty("tinyInt1isBit", "false");
        props.setProperty("transformedBitIsBoolean", "false");
        props.setProperty("yearIsDateType", "false");
        props.setProperty("zeroDateTimeBehavior", "CONVERT_TO_NULL");
        props.setProperty("cacheDefaultTimeZone", "false");
        props.setProperty("connectionTimeZone", "UTC");
        props.setProperty("forceConnectionTimeZoneToSession", "false");
        return props;
    }
}
