package ai.originchain.ingest.sync;

import java.util.Arrays;

/**
 * The source connection. The password lives in this object for the duration of one sync and is
 * wiped by {@link #wipePassword()} when the sync ends; {@link #toString()} never shows it.
 */
public final class SourceSpec {

    public enum SslMode { REQUIRE, VERIFY_FULL }

    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final char[] password;
    private final SslMode sslMode;
    private final String sslRootCertPem;

    public SourceSpec(String host, int port, String database, String user, char[] password,
                      SslMode sslMode, String sslRootCertPem) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.sslMode = sslMode;
        this.sslRootCertPem = sslRootCertPem;
    }

    /** The source of an SQLite sync: a file uploaded with the request, at {@code path}; no host, no password. */
    public static SourceSpec uploadedFile(String path) {
        return new SourceSpec("upload", 0, path, "", new char[0], SslMode.REQUIRE, null);
    }

    public String host() { return host; }
    public int port() { return port; }
    public String database() { return database; }
    public String user() { return user; }
    public SslMode sslMode() { return sslMode; }
    public String sslRootCertPem() { return sslRootCertPem; }

    /** The password, for the driver's connect call only. */
    public String passwordForConnect() {
        return new String(password);
    }

    public String scrub(String text) {
        if (text == null || password.length == 0) {
            return text;
        }
        return text.replace(new String(password), "***");
    }

    public void wipePassword() {
        Arrays.fill(password, '\0');
    }

    @Override
    public String toString() {
        return "SourceSpec[" + user + "@" + host + ":" + port + "/" + database + ", sslmode=" + sslMode + "]";
    }
}
