package ai.originchain.ingest.egress;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * The clouds' instance metadata and credential endpoints (docs/security.md, "Egress policy" lists them and
 * their sources): refused on every port, whatever the configured networks and endpoints say. An
 * IPv4 endpoint is also recognised inside the IPv6 forms that carry an IPv4 address (IPv4-mapped,
 * IPv4-compatible, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}).
 */
final class MetadataEndpoints {

    private static final List<InetAddress> ADDRESSES = parse(
            "169.254.169.254",   // AWS, GCP, Azure, Oracle Cloud, IBM Cloud, DigitalOcean instance metadata
            "fd00:ec2::254",     // AWS instance metadata over IPv6
            "fd20:ce::254",      // GCP metadata server over IPv6
            "169.254.170.2",     // AWS ECS task metadata and credentials
            "169.254.170.23",    // AWS EKS Pod Identity agent
            "fd00:ec2::23",      // AWS EKS Pod Identity agent over IPv6
            "100.100.100.200",   // Alibaba Cloud instance metadata
            "168.63.129.16");    // Azure WireServer (platform agent and its configuration)

    private MetadataEndpoints() {
    }

    static boolean contains(InetAddress address) {
        if (ADDRESSES.contains(address)) {
            return true;
        }
        InetAddress embedded = embeddedIpv4(address);
        return embedded != null && ADDRESSES.contains(embedded);
    }

    static List<InetAddress> addresses() {
        return ADDRESSES;
    }

    /** The IPv4 address an IPv6 address carries in one of the usual embeddings, else null. */
    private static InetAddress embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return null;
        }
        byte[] bytes = address.getAddress();
        byte[] v4;
        if (allZero(bytes, 0, 10) && (allZero(bytes, 10, 12) || (bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff))) {
            v4 = Arrays.copyOfRange(bytes, 12, 16);
        } else if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == (byte) 0xff && bytes[3] == (byte) 0x9b && allZero(bytes, 4, 12)) {
            v4 = Arrays.copyOfRange(bytes, 12, 16);
        } else if (bytes[0] == 0x20 && bytes[1] == 0x02) {
            v4 = Arrays.copyOfRange(bytes, 2, 6);
        } else {
            return null;
        }
        try {
            return InetAddress.getByAddress(v4);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static List<InetAddress> parse(String... literals) {
        return Arrays.stream(literals).map(literal -> {
            try {
                return InetAddress.getByName(literal);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(literal, e);
            }
        }).toList();
    }
}
