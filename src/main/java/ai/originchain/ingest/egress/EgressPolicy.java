package ai.originchain.ingest.egress;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;

/**
 * Where the service may connect on a tenant's behalf (docs/security.md, "Egress policy"). Every outbound connection asks
 * {@link #check} first and connects only to the {@link CheckedEndpoint}'s addresses: the host is
 * resolved once, every address it resolves to is checked, and a refusal comes before any packet is
 * sent. In order, an address is refused when it is unspecified ({@code 0.0.0.0}, {@code ::}), a
 * cloud metadata endpoint ({@link MetadataEndpoints}, every port) or a protected endpoint (the target store, the service itself), allowed when it is an exact allowed
 * endpoint ({@code originchain.source.allowed-endpoints}, the demo's source), refused inside a denied
 * network, and allowed only inside an allowed network. One refused address refuses the host.
 */
@Component
public class EgressPolicy {

    private static final Logger log = LoggerFactory.getLogger(EgressPolicy.class);
    private static final Pattern IPV4 = Pattern.compile("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
            + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");
    private static final Pattern LABEL = Pattern.compile("^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$");

    private record Endpoint(String host, int port) {
        static Endpoint parse(String text) {
            String value = text.trim();
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new IllegalArgumentException("not host:port: '" + text + "'");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new Endpoint(host, Integer.parseInt(value.substring(colon + 1)));
        }
    }

    private final List<Network> allowed;
    private final List<Network> denied;
    private final List<Endpoint> allowedEndpoints = new CopyOnWriteArrayList<>();
    private final List<Endpoint> protectedEndpoints = new CopyOnWriteArrayList<>();

    public EgressPolicy(IngestProperties properties) {
        IngestProperties.Source source = properties.getSource();
        this.allowed = source.getAllowedNetworks().stream().filter(s -> !s.isBlank()).map(Network::parse).toList();
        this.denied = source.getDeniedNetworks().stream().filter(s -> !s.isBlank()).map(Network::parse).toList();
        source.getAllowedEndpoints().stream().filter(s -> !s.isBlank()).map(Endpoint::parse).forEach(allowedEndpoints::add);
    }

    /** Lets exactly {@code host:port} through even inside a denied network (never the always-refused ones). */
    public void allowEndpoint(String host, int port) {
        allowedEndpoints.add(new Endpoint(host, port));
    }

    /**
     * Never lets {@code host:port} through. A host on this machine protects the port on every local
     * address, so the endpoint cannot be reached by another name of the same machine either.
     */
    public void protectEndpoint(String host, int port) {
        protectedEndpoints.add(new Endpoint(host, port));
    }

    /**
     * The checked addresses of {@code host}, or a failure for the caller: 400 when {@code host} is
     * neither a DNS name nor an IP literal, 502 when the name does not resolve, 422 on {@code field}
     * when the policy refuses an address. Says nothing of what (if anything) listens there.
     */
    public CheckedEndpoint check(String field, String host, int port) {
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!isHostSyntax(host)) {
            throw SyncFailure.invalid(field, "must be a DNS name or an IP address");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
            throw SyncFailure.sourceFailed("could not connect to the source " + host + ":" + port
                    + ": the host name does not resolve");
        }
        for (InetAddress address : addresses) {
            String refusal = refusal(address, port);
            if (refusal != null) {
                log.info("egress policy refused {}:{} ({}: {})", host, port, address.getHostAddress(), refusal);
                throw SyncFailure.mismatch(field, "the service may not connect to " + host + ":" + port
                        + " (refused by its egress policy)");
            }
        }
        return new CheckedEndpoint(name, port, Arrays.asList(addresses));
    }

    /** Why {@code address:port} is refused, for the log only; null when it is allowed. */
    String refusal(InetAddress address, int port) {
        if (address.isAnyLocalAddress()) {
            return "unspecified address";
        }
        if (MetadataEndpoints.contains(address)) {
            return "cloud metadata endpoint";
        }
        for (Endpoint endpoint : protectedEndpoints) {
            if (endpoint.port() == port && covers(endpoint, address, true)) {
                return "protected endpoint " + endpoint.host() + ":" + endpoint.port();
            }
        }
        for (Endpoint endpoint : allowedEndpoints) {
            if (endpoint.port() == port && covers(endpoint, address, false)) {
                return null;
            }
        }
        for (Network network : denied) {
            if (network.contains(address)) {
                return "denied network " + network;
            }
        }
        for (Network network : allowed) {
            if (network.contains(address)) {
                return null;
            }
        }
        return "outside the allowed networks";
    }

    private static boolean covers(Endpoint endpoint, InetAddress address, boolean everyLocalAddress) {
        List<InetAddress> resolved = new ArrayList<>();
        try {
            resolved.addAll(Arrays.asList(InetAddress.getAllByName(endpoint.host())));
        } catch (UnknownHostException e) {
            return false;
        }
        if (resolved.contains(address)) {
            return true;
        }
        return everyLocalAddress && resolved.stream().anyMatch(EgressPolicy::isLocal) && isLocal(address);
    }

    private static boolean isLocal(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return true;
        }
    }

    /** A DNS name ({@code db.example.com}), an IPv4 literal, or an IPv6 literal (bracketed or not). */
    public static boolean isHostSyntax(String host) {
        if (host == null || host.isEmpty() || host.length() > 255) {
            return false;
        }
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (name.contains(":")) {
            if (!name.matches("^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$")) {
                return false;
            }
            try {
                InetAddress.getByName(name);
                return true;
            } catch (UnknownHostException e) {
                return false;
            }
        }
        if (!name.equals(host)) {
            return false;
        }
        if (name.matches("^[0-9.]+$")) {
            return isIpv4Literal(name);
        }
        String dns = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (dns.isEmpty() || dns.length() > 253) {
            return false;
        }
        String[] labels = dns.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return !labels[labels.length - 1].matches("^[0-9]+$");
    }

    /** Four decimal octets without leading zeros: no octal, hex or single-number forms. */
    public static boolean isIpv4Literal(String text) {
        return IPV4.matcher(text).matches();
    }
}
