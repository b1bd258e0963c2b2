package ai.originchain.ingest.bench;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * One PostgreSQL login: where, which database, who. Parsed from {@code postgresql://user:pw@host:port/db}
 * or {@code jdbc:postgresql://host:port/db?user=…&password=…}.
 */
record PgEndpoint(String host, int port, String database, String user, String password, String sslmode) {

    static PgEndpoint parse(String url) {
        String u = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
        if (u.startsWith("postgres://")) {
            u = "postgresql://" + u.substring("postgres://".length());
        }
        URI uri = URI.create(u);
        if (!"postgresql".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("not a postgresql URL: " + url);
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    query.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1)));
                }
            }
        }
        String user = query.getOrDefault("user", "postgres");
        String password = query.getOrDefault("password", "");
        if (uri.getRawUserInfo() != null) {
            String[] info = uri.getRawUserInfo().split(":", 2);
            user = decode(info[0]);
            password = info.length > 1 ? decode(info[1]) : password;
        }
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        return new PgEndpoint(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 5432, db, user, password,
                query.getOrDefault("sslmode", "prefer"));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    PgEndpoint withSslmode(String mode) {
        return new PgEndpoint(host, port, database, user, password, mode);
    }

    PgEndpoint as(String otherUser, String otherPassword) {
        return new PgEndpoint(host, port, database, otherUser, otherPassword, sslmode);
    }

    PgEndpoint database(String otherDb) {
        return new PgEndpoint(host, port, otherDb, user, password, sslmode);
    }

    String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** libpq key/value connection string for psql; the password travels in PGPASSWORD, not here. */
    String conninfo() {
        return "host=" + host + " port=" + port + " dbname=" + database + " user=" + user + " sslmode=" + sslmode;
    }

    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (!password.isEmpty()) {
            p.setProperty("password", password);
        }
        p.setProperty("sslmode", sslmode);
        p.setProperty("ApplicationName", "ingest-bench");
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database + " (sslmode=" + sslmode + ")";
    }
}
