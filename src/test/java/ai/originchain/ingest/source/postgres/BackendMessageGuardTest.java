package ai.originchain.ingest.source.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.SourceRowTooLarge;

/** The framing check over a real stream of backend messages, read in pieces of every size. */
class BackendMessageGuardTest {

    private static final long LIMIT = 1000;

    @Test
    void messagesWithinTheLimitPassUnchangedWhateverTheReadSizes() throws IOException {
        byte[] wire = concat(
                dataRow("42".getBytes(StandardCharsets.US_ASCII), null, new byte[0], new byte[900]),
                message('d', new byte[(int) LIMIT]),
                message('c', new byte[0]),
                message('Z', new byte[] {'I'}));
        for (int piece : new int[] {1, 3, 7, 64, 8192}) {
            assertThat(readAll(new BackendMessageGuard(new ByteArrayInputStream(wire), LIMIT), piece))
                    .as("read %d bytes at a time", piece).isEqualTo(wire);
        }
    }

    @Test
    void aLengthOverTheLimitFailsOnItsHeaderAndEveryReadAfter() throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(message('Z', new byte[] {'I'}));
        new DataOutputStream(wire).writeByte('d');
        new DataOutputStream(wire).writeInt(Integer.MAX_VALUE);
        wire.write(new byte[16]);
        InputStream guard = new BackendMessageGuard(new ByteArrayInputStream(wire.toByteArray()), LIMIT);

        assertThat(guard.readNBytes(6)).hasSize(6);
        assertThatThrownBy(() -> guard.readNBytes(5))
                .isInstanceOfSatisfying(SourceRowTooLarge.class, e -> {
                    assertThat(e.bytes()).isEqualTo(Integer.MAX_VALUE - 4L);
                    assertThat(e.limit()).isEqualTo(LIMIT);
                });
        assertThatThrownBy(guard::read).isInstanceOf(SourceRowTooLarge.class);
    }

    @Test
    void aDataRowValueLongerThanItsMessageIsRefused() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeShort(1);
        out.writeInt(1 << 30); // a gigabyte announced inside a 10-byte message
        out.write(new byte[4]);
        InputStream guard = new BackendMessageGuard(new ByteArrayInputStream(message('D', body.toByteArray())), LIMIT);

        assertThatThrownBy(() -> readAll(guard, 1))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(SourceRowTooLarge.class)
                .hasMessageContaining("malformed 'D' message");
    }

    @Test
    void aLengthBelowItsOwnFourBytesIsRefused() {
        byte[] wire = {'d', 0, 0, 0, 2};
        InputStream guard = new BackendMessageGuard(new ByteArrayInputStream(wire), LIMIT);
        assertThatThrownBy(() -> readAll(guard, 8)).hasMessageContaining("announces a length of 2");
    }

    private static byte[] readAll(InputStream in, int piece) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[piece];
        for (int n; (n = in.read(buffer, 0, piece)) >= 0; ) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] dataRow(byte[]... values) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeShort(values.length);
        for (byte[] value : values) {
            out.writeInt(value == null ? -1 : value.length);
            if (value != null) {
                out.write(value);
            }
        }
        return message('D', body.toByteArray());
    }

    private static byte[] message(char type, byte[] body) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(message);
        out.writeByte(type);
        out.writeInt(body.length + 4);
        out.write(body);
        return message.toByteArray();
    }

    private static byte[] concat(byte[]... parts) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.write(part);
        }
        return all.toByteArray();
    }
}
