package ai.originchain.ingest.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

import javax.net.SocketFactory;

/**
 * A socket factory that connects to a {@link CheckedEndpoint}'s addresses and nowhere else: the
 * unconnected {@link #createSocket()} (what drivers call) returns a socket already connected to a
 * checked address; asking for any other address or port fails.
 */
public class PinnedSocketFactory extends SocketFactory {

    private final CheckedEndpoint endpoint;
    private final Duration connectTimeout;

    public PinnedSocketFactory(CheckedEndpoint endpoint, Duration connectTimeout) {
        this.endpoint = endpoint;
        this.connectTimeout = connectTimeout;
    }

    @Override
    public Socket createSocket() throws IOException {
        return endpoint.connect(connectTimeout);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        if (!host.equalsIgnoreCase(endpoint.host()) || port != endpoint.port()) {
            throw new SocketException("not the checked endpoint");
        }
        return createSocket();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        if (!endpoint.addresses().contains(host) || port != endpoint.port()) {
            throw new SocketException("not a checked address");
        }
        return createSocket();
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return createSocket(address, port);
    }
}
