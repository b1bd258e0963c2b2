package ai.originchain.ingest.source.mysql;

import java.time.Duration;

import ai.originchain.ingest.egress.CheckedEndpoint;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import com.mysql.cj.conf.PropertySet;
import com.mysql.cj.log.Log;
import com.mysql.cj.protocol.ServerSession;
import com.mysql.cj.protocol.SocketConnection;
import com.mysql.cj.protocol.StandardSocketFactory;

import ai.originchain.ingest.source.GuardedSslSocket;
import ai.originchain.ingest.source.PemTrust;
import ai.originchain.ingest.sync.SourceSpec;

/**
 * Connector/J's socket for a MySQL source: the one place where the source's host is resolved and
 * connected to, and where TLS is set up from the request, in memory (Connector/J's own TLS wants trust
 * store files). {@code verify-full} checks the chain against the request's PEM (or the JVM's trust
 * store) and the host name; {@code require} encrypts only. Connector/J builds the factory itself, so
 * the settings of the connection being opened come through {@link #OPENING}, on the opening thread.
 */
public class MySqlSocketFactory extends StandardSocketFactory {

    /** What the connection being opened on this thread needs: set around the driver's connect call. */
    record Opening(CheckedEndpoint endpoint, SourceSpec.SslMode sslMode, String rootCertPem, Duration connectTimeout) {
        String host() { return endpoint.host(); }
    }

    static final ThreadLocal<Opening> OPENING = new ThreadLocal<>();
    /** originchain.source.max-row-bytes, set with {@link #OPENING}. */
    static final ThreadLocal<Long> MAX_ROW_BYTES = new ThreadLocal<>();

    private final Opening opening = OPENING.get();
    private final Long maxRowBytes = MAX_ROW_BYTES.get();

    @Override
    public <T extends Closeable> T connect(String hostName, int portNumber, PropertySet props, int loginTimeout)
            throws IOException {
        if (opening == null || maxRowBytes == null) {
            throw new IOException("a MySQL source connection must be opened through MySqlConnector");
        }
        // Connected to an address the egress policy checked; the name is never resolved again.
        rawSocket = opening.endpoint().connect(opening.connectTimeout());
        rawSocket.setTcpNoDelay(true);
        rawSocket.setKeepAlive(true);
        sslSocket = rawSocket;
        @SuppressWarnings("unchecked")
        T socket = (T) rawSocket;
        return socket;
    }

    @Override
    public <T extends Closeable> T performTlsHandshake(SocketConnection socketConnection, ServerSession serverSession)
            throws IOException {
        return performTlsHandshake(socketConnection, serverSession, null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends Closeable> T performTlsHandshake(SocketConnection socketConnection, ServerSession serverSession,
                                                       Log log) throws IOException {
        boolean verify = opening.sslMode() == SourceSpec.SslMode.VERIFY_FULL;
        SSLContext context;
        try {
            context = verify ? PemTrust.verifying(opening.rootCertPem()) : PemTrust.encryptingOnly();
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS setup failed: " + e.getMessage(), e);
        }
        InetSocketAddress peer = (InetSocketAddress) rawSocket.getRemoteSocketAddress();
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(rawSocket, opening.host(), peer.getPort(), true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (verify) {
            // The certificate must name the host the request gave (DNS name or IP address).
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        // Every packet after the handshake is read through the guard that bounds a row's size.
        sslSocket = new GuardedSslSocket(ssl, in -> new PacketGuard(in, maxRowBytes));
        return (T) sslSocket;
    }
}
