package ai.originchain.ingest.source.postgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.util.Properties;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.postgresql.PGProperty;
import org.postgresql.ssl.DefaultJavaSSLFactory;
import org.postgresql.ssl.NonValidatingFactory;

import ai.originchain.ingest.source.GuardedSslSocket;

/**
 * The SSL socket factory of every PostgreSQL source connection (syncs and streams): the trust of the
 * connection's {@code sslmode} ({@code require}: encrypt without validating; {@code verify-full}: the
 * PEM in {@code sslfactoryarg}, or the JVM's CAs) and, on every socket it makes, a bound on the
 * length of each backend message ({@link BackendMessageGuard}) from {@link #MAX_ROW_BYTES}.
 * pgjdbc's {@code MakeSSL} uses the returned socket's streams for everything after the TLS handshake.
 */
public class SourceSslFactory extends SSLSocketFactory {

    /** Connection property: the largest row, in bytes, a backend message may carry. */
    public static final String MAX_ROW_BYTES = "originchainMaxRowBytes";

    private final SSLSocketFactory trust;
    private final long maxRowBytes;

    public SourceSslFactory(Properties info) throws GeneralSecurityException {
        String limit = info.getProperty(MAX_ROW_BYTES);
        if (limit == null) {
            throw new GeneralSecurityException(MAX_ROW_BYTES + " is not set");
        }
        this.maxRowBytes = Long.parseLong(limit);
        if ("verify-full".equals(PGProperty.SSL_MODE.getOrDefault(info))) {
            String pem = PGProperty.SSL_FACTORY_ARG.getOrDefault(info);
            trust = pem != null ? new PemTrustSslFactory(info) : new DefaultJavaSSLFactory(info);
        } else {
            trust = new NonValidatingFactory(null);
        }
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        return guarded(trust.createSocket(socket, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return guarded(trust.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
        return guarded(trust.createSocket(host, port, local, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return guarded(trust.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
        return guarded(trust.createSocket(host, port, local, localPort));
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return trust.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return trust.getSupportedCipherSuites();
    }

    private Socket guarded(Socket socket) {
        return new GuardedSslSocket((SSLSocket) socket, in -> new BackendMessageGuard(in, maxRowBytes));
    }
}
