package ai.originchain.ingest.source.mysql;

import ai.originchain.ingest.egress.CheckedEndpoint;
import ai.originchain.ingest.egress.EgressPolicy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import com.mysql.cj.jdbc.NonRegisteringDriver;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * Opens connections to a MySQL (or MariaDB) source, always over TLS ({@link MySqlSocketFactory}).
 * The password goes in connection properties, never in a URL. Options that would let a server act
 * on the client (LOAD DATA LOCAL, deserialization) are off; values are read as the server writes
 * them (no tinyint-as-boolean, no year-as-date). Only the password methods of {@link #AUTHENTICATION_METHODS}
 * answer the server's authentication requests: a server asking for any other (one that reads local
 * files or keys, asks a KDC or an LDAP server, or wants the password in clear) fails the connection
 * before any of that method's code runs.
 */
@Component
public class MySqlConnector {

    static final String PROGRAM_NAME = "originchain-ingest";
    /** The authentication methods a source may ask for (docs/sources.md, "MySQL and MariaDB sources"). */
    static final List<String> AUTHENTICATION_METHODS = List.of("caching_sha2_password", "mysql_native_password", "sha256_password");
    /** Connector/J's other built-in methods, all turned off; MySqlConnectorTest checks none is missing. */
    static final List<String> DISABLED_AUTHENTICATION_METHODS = List.of("mysql_clear_password", "mysql_old_password",
            "authentication_ldap_sasl_client", "authentication_kerberos_client", "authentication_oci_client",
            "authentication_webauthn_client", "authentication_openid_connect_client");
    /** Connector/J's message for a method it has no (enabled) plugin for. */
    private static final Pattern UNSUPPORTED_METHOD = Pattern.compile("Unable to load authentication plugin '([^']*)'");
    private static final Pattern METHOD_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");

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
        MySqlSocketFactory.MAX_ROW_BYTES.set(settings.getMaxRowBytes());
        Connection connection;
        try {
            connection = driver.connect(url, properties(source));
        } catch (SQLException e) {
            SyncFailure unsupported = unsupportedMethod(source, e);
            if (unsupported != null) {
                throw unsupported;
            }
            throw e;
        } finally {
            MySqlSocketFactory.OPENING.remove();
            MySqlSocketFactory.MAX_ROW_BYTES.remove();
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

    /** A server that asked for an authentication method outside {@link #AUTHENTICATION_METHODS}: a clear 502; else null. */
    private static SyncFailure unsupportedMethod(SourceSpec source, SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            Matcher matcher = t.getMessage() == null ? null : UNSUPPORTED_METHOD.matcher(t.getMessage());
            if (matcher != null && matcher.find()) {
                // The name comes from the server: echoed only when it looks like a plugin name. A switch request
                // without a name is the protocol's request for the pre-4.1 method.
                String name = matcher.group(1).isEmpty() ? "mysql_old_password" : matcher.group(1);
                String method = METHOD_NAME.matcher(name).matches() ? " '" + name + "'" : "";
                return SyncFailure.sourceFailed("could not connect to the source " + source.host() + ":" + source.port()
                        + ": the server asked for the authentication method" + method + ", which the service does not support "
                        + "(it authenticates with " + String.join(", ", AUTHENTICATION_METHODS) + ")");
            }
        }
        return null;
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
        props.setProperty("disabledAuthenticationPlugins", String.join(",", DISABLED_AUTHENTICATION_METHODS));
        props.setProperty("authenticationPlugins", "");
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
