package ai.originchain.ingest.source;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one row of PostgreSQL COPY text (tab-separated, newline-terminated) from values that an
 * engine read as Java strings and bytes: text escaped ({@code \\}, tab, newline, CR), NULL as
 * {@code \N}, {@code bytea} in hex. Reused row after row, so a row costs one array copy.
 */
public final class CopyTextRow {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] buffer = new byte[256];
    private int length;
    private boolean firstField = true;

    public void start() {
        length = 0;
        firstField = true;
    }

    public void nullValue() {
        separate();
        put((byte) '\\');
        put((byte) 'N');
    }

    /** A value of any type in its text form, escaped for COPY. */
    public void text(String value) {
        if (value == null) {
            nullValue();
            return;
        }
        separate();
        escaped(value.getBytes(StandardCharsets.UTF_8));
    }

    /** UTF-8 bytes of a text value, escaped for COPY. */
    public void textBytes(byte[] utf8) {
        if (utf8 == null) {
            nullValue();
            return;
        }
        separate();
        escaped(utf8);
    }

    /** A {@code bytea} value in hex format: {@code \x0a1b…}, its backslash escaped for COPY. */
    public void bytea(byte[] value) {
        if (value == null) {
            nullValue();
            return;
        }
        separate();
        ensure(3 + 2 * value.length);
        buffer[length++] = '\\';
        buffer[length++] = '\\';
        buffer[length++] = 'x';
        for (byte b : value) {
            buffer[length++] = HEX[(b >> 4) & 0xf];
            buffer[length++] = HEX[b & 0xf];
        }
    }

    /** A one-dimensional text array, e.g. {@code {"a","b"}}: each element quoted, then the whole escaped for COPY. */
    public void textArray(Iterable<String> elements) {
        StringBuilder array = new StringBuilder("{");
        for (String element : elements) {
            if (array.length() > 1) {
                array.append(',');
            }
            if (element == null) {
                array.append("NULL");
                continue;
            }
            array.append('"');
            for (int i = 0; i < element.length(); i++) {
                char c = element.charAt(i);
                if (c == '"' || c == '\\') {
                    array.append('\\');
                }
                array.append(c);
            }
            array.append('"');
        }
        text(array.append('}').toString());
    }

    /** The row, newline included. */
    public byte[] finish() {
        put((byte) '\n');
        return Arrays.copyOf(buffer, length);
    }

    private void escaped(byte[] bytes) {
        ensure(bytes.length);
        for (byte b : bytes) {
            switch (b) {
                case '\\' -> {
                    put((byte) '\\');
                    put((byte) '\\');
                }
                case '\t' -> {
                    put((byte) '\\');
                    put((byte) 't');
                }
                case '\n' -> {
                    put((byte) '\\');
                    put((byte) 'n');
                }
                case '\r' -> {
                    put((byte) '\\');
                    put((byte) 'r');
                }
                default -> put(b);
            }
        }
    }

    private void separate() {
        if (!firstField) {
            put((byte) '\t');
        }
        firstField = false;
    }

    private void put(byte b) {
        if (length == buffer.length) {
            ensure(1);
        }
        buffer[length++] = b;
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more + 16));
        }
    }
}
