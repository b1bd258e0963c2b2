package ai.originchain.ingest.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The TLS socket of a source connection, whose decrypted input the driver reads through a guard that
 * checks the protocol's message lengths ({@code guard}). Everything else is the real socket's:
 * handshake, session (host name checks and channel binding read it), timeouts, close. An
 * {@link SSLSocket} still, since drivers decide by its type that the connection is encrypted.
 */
public final class GuardedSslSocket extends SSLSocket {

    private final SSLSocket socket;
    private final UnaryOperator<InputStream> guard;
    private InputStream input;

    public GuardedSslSocket(SSLSocket socket, UnaryOperator<InputStream> guard) {
        this.socket = socket;
        this.guard = guard;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (input == null) {
            input = guard.apply(socket.getInputStream());
        }
        return input;
    }

    @Override public OutputStream getOutputStream() throws IOException { return socket.getOutputStream(); }
    @Override public void startHandshake() throws IOException { socket.startHandshake(); }
    @Override public SSLSession getSession() { return socket.getSession(); }
    @Override public SSLSession getHandshakeSession() { return socket.getHandshakeSession(); }
    @Override public SSLParameters getSSLParameters() { return socket.getSSLParameters(); }
    @Override public void setSSLParameters(SSLParameters params) { socket.setSSLParameters(params); }
    @Override public String getApplicationProtocol() { return socket.getApplicationProtocol(); }
    @Override public String getHandshakeApplicationProtocol() { return socket.getHandshakeApplicationProtocol(); }
    @Override public void setHandshakeApplicationProtocolSelector(BiFunction<SSLSocket, List<String>, String> selector) {
        socket.setHandshakeApplicationProtocolSelector(selector);
    }
    @Override public BiFunction<SSLSocket, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return socket.getHandshakeApplicationProtocolSelector();
    }
    @Override public String[] getSupportedCipherSuites() { return socket.getSupportedCipherSuites(); }
    @Override public String[] getEnabledCipherSuites() { return socket.getEnabledCipherSuites(); }
    @Override public void setEnabledCipherSuites(String[] suites) { socket.setEnabledCipherSuites(suites); }
    @Override public String[] getSupportedProtocols() { return socket.getSupportedProtocols(); }
    @Override public String[] getEnabledProtocols() { return socket.getEnabledProtocols(); }
    @Override public void setEnabledProtocols(String[] protocols) { socket.setEnabledProtocols(protocols); }
    @Override public void addHandshakeCompletedListener(HandshakeCompletedListener l) { socket.addHandshakeCompletedListener(l); }
    @Override public void removeHandshakeCompletedListener(HandshakeCompletedListener l) { socket.removeHandshakeCompletedListener(l); }
    @Override public void setUseClientMode(boolean mode) { socket.setUseClientMode(mode); }
    @Override public boolean getUseClientMode() { return socket.getUseClientMode(); }
    @Override public void setNeedClientAuth(boolean need) { socket.setNeedClientAuth(need); }
    @Override public boolean getNeedClientAuth() { return socket.getNeedClientAuth(); }
    @Override public void setWantClientAuth(boolean want) { socket.setWantClientAuth(want); }
    @Override public boolean getWantClientAuth() { return socket.getWantClientAuth(); }
    @Override public void setEnableSessionCreation(boolean flag) { socket.setEnableSessionCreation(flag); }
    @Override public boolean getEnableSessionCreation() { return socket.getEnableSessionCreation(); }

    @Override public void connect(SocketAddress endpoint) throws IOException { socket.connect(endpoint); }
    @Override public void connect(SocketAddress endpoint, int timeout) throws IOException { socket.connect(endpoint, timeout); }
    @Override public void bind(SocketAddress local) throws IOException { socket.bind(local); }
    @Override public InetAddress getInetAddress() { return socket.getInetAddress(); }
    @Override public InetAddress getLocalAddress() { return socket.getLocalAddress(); }
    @Override public int getPort() { return socket.getPort(); }
    @Override public int getLocalPort() { return socket.getLocalPort(); }
    @Override public SocketAddress getRemoteSocketAddress() { return socket.getRemoteSocketAddress(); }
    @Override public SocketAddress getLocalSocketAddress() { return socket.getLocalSocketAddress(); }
    @Override public void setTcpNoDelay(boolean on) throws SocketException { socket.setTcpNoDelay(on); }
    @Override public boolean getTcpNoDelay() throws SocketException { return socket.getTcpNoDelay(); }
    @Override public void setSoLinger(boolean on, int linger) throws SocketException { socket.setSoLinger(on, linger); }
    @Override public int getSoLinger() throws SocketException { return socket.getSoLinger(); }
    @Override public void setSoTimeout(int timeout) throws SocketException { socket.setSoTimeout(timeout); }
    @Override public int getSoTimeout() throws SocketException { return socket.getSoTimeout(); }
    @Override public void setSendBufferSize(int size) throws SocketException { socket.setSendBufferSize(size); }
    @Override public int getSendBufferSize() throws SocketException { return socket.getSendBufferSize(); }
    @Override public void setReceiveBufferSize(int size) throws SocketException { socket.setReceiveBufferSize(size); }
    @Override public int getReceiveBufferSize() throws SocketException { return socket.getReceiveBufferSize(); }
    @Override public void setKeepAlive(boolean on) throws SocketException { socket.setKeepAlive(on); }
    @Override public boolean getKeepAlive() throws SocketException { return socket.getKeepAlive(); }
    @Override public void setTrafficClass(int tc) throws SocketException { socket.setTrafficClass(tc); }
    @Override public int getTrafficClass() throws SocketException { return socket.getTrafficClass(); }
    @Override public void setReuseAddress(boolean on) throws SocketException { socket.setReuseAddress(on); }
    @Override public boolean getReuseAddress() throws SocketException { return socket.getReuseAddress(); }
    @Override public void close() throws IOException { socket.close(); }
    @Override public void shutdownInput() throws IOException { socket.shutdownInput(); }
    @Override public void shutdownOutput() throws IOException { socket.shutdownOutput(); }
    @Override public boolean isConnected() { return socket.isConnected(); }
    @Override public boolean isBound() { return socket.isBound(); }
    @Override public boolean isClosed() { return socket.isClosed(); }
    @Override public boolean isInputShutdown() { return socket.isInputShutdown(); }
    @Override public boolean isOutputShutdown() { return socket.isOutputShutdown(); }
    @Override public String toString() { return socket.toString(); }
}
