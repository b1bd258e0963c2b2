package ai.originchain.ingest.source;

import java.io.IOException;
import java.io.InputStream;

/**
 * A source's decrypted input, every byte shown to {@link #scan} before the driver gets it, so that a
 * check of the protocol's framing can refuse a length before the driver allocates it. Once a scan has
 * failed, every later read fails the same way: the connection is out of step and only good for closing.
 */
public abstract class ScannedInputStream extends InputStream {

    private final InputStream in;
    private final byte[] one = new byte[1];
    private IOException tripped;

    protected ScannedInputStream(InputStream in) {
        this.in = in;
    }

    /** Looks at bytes just read, in order; throws to refuse what they announce. */
    protected abstract void scan(byte[] b, int off, int n) throws IOException;

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

    /** Skipped bytes are read, so that they are scanned too. */
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
}
