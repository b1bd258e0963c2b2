package ai.originchain.ingest.egress;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** One CIDR block, {@code 10.0.0.0/8} or {@code fe80::/10}; an address of the other family is never inside. */
record Network(byte[] base, int prefix, String text) {

    static Network parse(String cidr) {
        String text = cidr.trim();
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        if (!address.contains(":") && !EgressPolicy.isIpv4Literal(address)) {
            throw new IllegalArgumentException("not a CIDR block: '" + cidr + "'");
        }
        byte[] base;
        try {
            base = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not a CIDR block: '" + cidr + "'");
        }
        int bits = base.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a CIDR block: '" + cidr + "'");
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("not a CIDR block: '" + cidr + "' (prefix out of range)");
        }
        return new Network(mask(base, prefix), prefix, text);
    }

    boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == base.length && new BigInteger(1, mask(bytes, prefix)).equals(new BigInteger(1, base));
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] &= (byte) (0xff << (8 - keep));
        }
        return masked;
    }

    @Override
    public String toString() {
        return text;
    }
}
