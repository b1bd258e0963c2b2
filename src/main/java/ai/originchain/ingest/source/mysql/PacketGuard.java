package ai.originchain.ingest.source.mysql;

import java.io.IOException;
import java.io.InputStream;

import ai.originchain.ingest.failure.SourceRowTooLarge;

/**
 * The decrypted stream of a MySQL server's packets, checked as Connector/J reads it: each packet's
 * 3-byte length is added to its message's (a packet of 0xFFFFFF bytes is continued by the next) and a
 * message over {@code originchain.source.max-row-bytes} fails before the driver sees the header that
 * would take it over (Connector/J gathers a message's packets into one buffer). Once tripped, every
 * later read fails the same way.
 */
final class PacketGuard extends InputStream {

    /** Room for a row's own framing: the length prefix of each value. */
    static final int FRAMING_ALLOWANCE = 64 * 1024;
    private static final int CONTINUED = 0xFFFFFF;

    private final InputStream in;
    private final long rowLimit;
    private final byte[] header = new byte[4];
    private final byte[] one = new byte[1];
    private int headerUsed;
    private long packetLeft;
    private long messageBytes;
    private boolean continued;
    private IOException tripped;

    PacketGuard(InputStream in, long rowLimit) {
        this.in = in;
        this.rowLimit = rowLimit;
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (tripped != null) {
            throw tripped;
        }
        int n = in.read(b, off, len);
        if (n > 0) {
            try {
                scan(b, off, n);
            } catch (IOException e) {
                tripped = e;
                throw e;
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] skipped = new byte[(int) Math.min(8192, Math.max(n, 1))];
        long done = 0;
        while (done < n) {
            int r = read(skipped, 0, (int) Math.min(skipped.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    @Override
    public int available() throws IOException {
        if (tripped != null) {
            throw tripped;
        }
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void scan(byte[] b, int off, int n) throws IOException {
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
