package ai.originchain.ingest.source.mysql;

import java.io.IOException;
import java.io.InputStream;

import ai.originchain.ingest.failure.SourceRowTooLarge;
import ai.originchain.ingest.source.ScannedInputStream;

/**
 * The decrypted stream of a MySQL server's packets, checked as Connector/J reads it: each packet's
 * 3-byte length is added to its message's (a packet of 0xFFFFFF bytes is continued by the next) and a
 * message over {@code originchain.source.max-row-bytes} fails before the driver sees the header that
 * would take it over (Connector/J gathers a message's packets into one buffer).
 */
final class PacketGuard extends ScannedInputStream {

    /** Room for a row's own framing: the length prefix of each value. */
    static final int FRAMING_ALLOWANCE = 64 * 1024;
    private static final int CONTINUED = 0xFFFFFF;

    private final long rowLimit;
    private final byte[] header = new byte[4];
    private int headerUsed;
    private long packetLeft;
    private long messageBytes;
    private boolean continued;

    PacketGuard(InputStream in, long rowLimit) {
        super(in);
        this.rowLimit = rowLimit;
    }

    @Override
    protected void scan(byte[] b, int off, int n) throws IOException {
        int i = off;
        int end = off + n;
        while (i < end) {
            if (packetLeft > 0) {
                int k = (int) Math.min(packetLeft, end - i);
                i += k;
                packetLeft -= k;
                continue;
            }
            header[headerUsed++] = b[i++];
            if (headerUsed == 4) {
                headerUsed = 0;
                int length = (header[0] & 0xff) | ((header[1] & 0xff) << 8) | ((header[2] & 0xff) << 16);
                messageBytes = continued ? messageBytes + length : length;
                if (messageBytes > rowLimit + FRAMING_ALLOWANCE) {
                    throw new SourceRowTooLarge(messageBytes, rowLimit, null, null);
                }
                continued = length == CONTINUED;
                packetLeft = length;
            }
        }
    }
}
