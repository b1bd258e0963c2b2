package ai.originchain.ingest.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A host the {@link EgressPolicy} let through: the name as the user gave it (for TLS host-name
 * checks) and the addresses it resolved to, every one of them checked. Connections go to these
 * addresses only, never to a fresh resolution of the name.
 */
public record CheckedEndpoint(String host, int port, List<InetAddress> addresses) {

    public CheckedEndpoint {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no checked address");
        }
    }

    /** A socket connected to the first checked address that answers; each is given {@code timeout}. */
    public Socket connect(Duration timeout) throws IOException {
        IOException last = null;
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, port), (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw last;
    }

    /** The addresses and port as text ({@code 5432|10.0.0.5,2001:db8::5}), for drivers that take a string argument. */
    public String toText() {
        StringBuilder text = new StringBuilder().append(port).append('|');
        for (int i = 0; i < addresses.size(); i++) {
            text.append(i == 0 ? "" : ",").append(addresses.get(i).getHostAddress());
        }
        return text.toString();
    }

    /** The inverse of {@link #toText()}; accepts IP literals only, so it never resolves a name. */
    public static CheckedEndpoint fromText(String host, String text) {
        int bar = text == null ? -1 : text.indexOf('|');
        if (bar < 0) {
            throw new IllegalArgumentException("not a checked endpoint");
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String literal : text.substring(bar + 1).split(",")) {
            if (!literal.contains(":") && !EgressPolicy.isIpv4Literal(literal)) {
                throw new IllegalArgumentException("not an IP literal: " + literal);
            }
            try {
                addresses.add(InetAddress.getByName(literal));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP literal: " + literal);
            }
        }
        return new CheckedEndpoint(host, Integer.parseInt(text.substring(0, bar)), addresses);
    }
}
