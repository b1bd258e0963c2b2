package ai.originchain.ingest.source.postgres;

import java.io.IOException;
import java.io.InputStream;

import ai.originchain.ingest.failure.SourceRowTooLarge;
import ai.originchain.ingest.source.ScannedInputStream;

/**
 * The decrypted stream of a source's backend messages, checked as the driver reads it: each message's
 * length (type byte, int32 length) is held against the limit before the driver sees it, so pgjdbc never
 * allocates a length it announced over {@code originchain.source.max-row-bytes} (a COPY row, a DataRow,
 * a replication message, an error text alike). Inside a DataRow and a FunctionCallResponse, which pgjdbc
 * allocates value by value, every value's length must fit in what is left of its message.
 */
final class BackendMessageGuard extends ScannedInputStream {

    /** Room for a message's own framing around a row: field count and lengths (1664 columns at most), headers. */
    static final int FRAMING_ALLOWANCE = 64 * 1024;

    private enum State { HEADER, BODY, FIELD_COUNT, FIELD_LENGTH, FIELD_VALUE }

    private final long rowLimit;
    private final long bodyLimit;
    private final byte[] scratch = new byte[5];
    private State state = State.HEADER;
    private int scratchUsed;
    private char type;
    private long bodyLeft;
    private int fieldsLeft;
    private long valueLeft;

    BackendMessageGuard(InputStream in, long rowLimit) {
        super(in);
        this.rowLimit = rowLimit;
        this.bodyLimit = rowLimit + FRAMING_ALLOWANCE;
    }

    @Override
    protected void scan(byte[] b, int off, int n) throws IOException {
        int i = off;
        int end = off + n;
        while (i < end) {
            switch (state) {
                case HEADER -> {
                    scratch[scratchUsed++] = b[i++];
                    if (scratchUsed == 5) {
                        scratchUsed = 0;
                        startMessage((char) (scratch[0] & 0xff), int4(scratch, 1));
                    }
                }
                case BODY -> {
                    int k = (int) Math.min(bodyLeft, end - i);
                    i += k;
                    bodyLeft -= k;
                }
                case FIELD_COUNT, FIELD_LENGTH -> {
                    scratch[scratchUsed++] = b[i++];
                    bodyLeft--;
                    if (state == State.FIELD_COUNT && scratchUsed == 2) {
                        scratchUsed = 0;
                        fieldsLeft = ((scratch[0] & 0xff) << 8) | (scratch[1] & 0xff);
                        nextField();
                    } else if (state == State.FIELD_LENGTH && scratchUsed == 4) {
                        scratchUsed = 0;
                        startValue(int4(scratch, 0));
                    }
                }
                case FIELD_VALUE -> {
                    int k = (int) Math.min(valueLeft, end - i);
                    i += k;
                    valueLeft -= k;
                    bodyLeft -= k;
                    if (valueLeft == 0) {
                        nextField();
                    }
                }
            }
            if (state != State.HEADER && bodyLeft == 0) {
                if (state == State.FIELD_LENGTH || state == State.FIELD_COUNT || state == State.FIELD_VALUE) {
                    throw malformed("its values run past the end of the message");
                }
                state = State.HEADER;
            }
        }
    }

    private void startMessage(char messageType, int length) throws IOException {
        type = messageType;
        if (length < 4) {
            throw malformed("it announces a length of " + length);
        }
        long body = length - 4L;
        if (body > bodyLimit) {
            throw new SourceRowTooLarge(body, rowLimit, null, null);
        }
        bodyLeft = body;
        if (body == 0) {
            state = State.HEADER;
        } else if (type == 'D') {
            state = State.FIELD_COUNT;
        } else if (type == 'V') {
            fieldsLeft = 0;
            state = State.FIELD_LENGTH;
        } else {
            state = State.BODY;
        }
    }

    private void nextField() {
        if (fieldsLeft == 0) {
            state = State.BODY;
        } else {
            fieldsLeft--;
            state = State.FIELD_LENGTH;
        }
    }

    private void startValue(int length) throws IOException {
        if (length == -1) {
            nextField();
        } else if (length < 0 || length > bodyLeft) {
            throw malformed("a value announces " + length + " bytes with " + bodyLeft + " left in the message");
        } else if (length == 0) {
            nextField();
        } else {
            valueLeft = length;
            state = State.FIELD_VALUE;
        }
    }

    private IOException malformed(String why) {
        return new IOException("the source sent a malformed '" + type + "' message: " + why);
    }

    private static int int4(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
