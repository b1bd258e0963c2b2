package ai.originchain.ingest.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of PostgreSQL's {@code pgoutput} plugin, protocol version 1, and their decoding.
 * Column values stay in their text form (the type's output function, the same as COPY's), as bytes.
 */
public final class PgOutput {

    private PgOutput() {
    }

    /** One decoded message. */
    public sealed interface Message permits Begin, Commit, Relation, Insert, Update, Delete, Truncate, Ignored {
    }

    public record Begin(long finalLsn, long commitTimeMicros, int xid) implements Message {
    }

    public record Commit(long commitLsn, long endLsn, long commitTimeMicros) implements Message {
    }

    public record Column(boolean key, String name, long typeOid, int typmod) {
    }

    public record Relation(int id, String namespace, String name, char replicaIdentity, List<Column> columns)
            implements Message {
    }

    /**
     * A row: one entry per relation column; {@code null} is SQL NULL, {@link #UNCHANGED} an unchanged
     * TOASTed value the message does not carry.
     */
    public record Tuple(byte[][] values) {
        public boolean unchanged(int i) {
            return values[i] == UNCHANGED;
        }
    }

    /** Marks a value that was not sent (pgoutput's {@code u}): the target keeps what it has. */
    public static final byte[] UNCHANGED = new byte[0];

    public record Insert(int relationId, Tuple row) implements Message {
    }

    /** {@code oldKey} is null unless the key changed (or the identity is FULL); it may hold only key columns. */
    public record Update(int relationId, Tuple oldKey, Tuple row) implements Message {
    }

    public record Delete(int relationId, Tuple oldKey) implements Message {
    }

    public record Truncate(List<Integer> relationIds) implements Message {
    }

    /** Type, Origin and other messages a stream does not act on. */
    public record Ignored(char tag) implements Message {
    }

    public static Message decode(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data);
        char tag = (char) in.get();
        return switch (tag) {
            case 'B' -> new Begin(in.getLong(), in.getLong(), in.getInt());
            case 'C' -> {
                in.get();
                yield new Commit(in.getLong(), in.getLong(), in.getLong());
            }
            case 'R' -> relation(in);
            case 'I' -> {
                int id = in.getInt();
                expect(in, 'N');
                yield new Insert(id, tuple(in));
            }
            case 'U' -> {
                int id = in.getInt();
                char kind = (char) in.get();
                Tuple old = null;
                if (kind == 'K' || kind == 'O') {
                    old = tuple(in);
                    kind = (char) in.get();
                }
                if (kind != 'N') {
                    throw new IllegalStateException("pgoutput update without a new tuple");
                }
                yield new Update(id, old, tuple(in));
            }
            case 'D' -> {
                int id = in.getInt();
                char kind = (char) in.get();
                if (kind != 'K' && kind != 'O') {
                    throw new IllegalStateException("pgoutput delete without a key tuple");
                }
                yield new Delete(id, tuple(in));
            }
            case 'T' -> {
                int n = count(in, in.getInt(), 4);
                in.get();
                List<Integer> ids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ids.add(in.getInt());
                }
                yield new Truncate(ids);
            }
            default -> new Ignored(tag);
        };
    }

    /** Whether raw message {@code data} is a Commit, without decoding it. */
    public static boolean isCommit(byte[] data) {
        return data.length > 0 && data[0] == 'C';
    }

    private static Relation relation(ByteBuffer in) {
        int id = in.getInt();
        String namespace = string(in);
        String name = string(in);
        char identity = (char) in.get();
        int n = count(in, in.getShort(), 7);
        List<Column> columns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean key = (in.get() & 1) != 0;
            columns.add(new Column(key, string(in), Integer.toUnsignedLong(in.getInt()), in.getInt()));
        }
        return new Relation(id, namespace.isEmpty() ? "pg_catalog" : namespace, name, identity, columns);
    }

    private static Tuple tuple(ByteBuffer in) {
        int n = count(in, in.getShort(), 1);
        byte[][] values = new byte[n][];
        for (int i = 0; i < n; i++) {
            char kind = (char) in.get();
            switch (kind) {
                case 'n' -> values[i] = null;
                case 'u' -> values[i] = UNCHANGED;
                case 't' -> {
                    byte[] value = new byte[count(in, in.getInt(), 1)];
                    in.get(value);
                    values[i] = value;
                }
                default -> throw new IllegalStateException("pgoutput column kind '" + kind + "' (binary mode is not requested)");
            }
        }
        return new Tuple(values);
    }

    /**
     * A count or length the message announces, checked against the bytes it has left ({@code each}
     * at least per item) before anything of that size is allocated.
     */
    private static int count(ByteBuffer in, int announced, int each) {
        if (announced < 0 || (long) announced * each > in.remaining()) {
            throw new IllegalStateException("pgoutput: the message announces " + announced + " items or bytes with "
                    + in.remaining() + " bytes left in it");
        }
        return announced;
    }

    private static String string(ByteBuffer in) {
        int start = in.position();
        while (in.get() != 0) {
            // Scan to the terminating NUL.
        }
        return new String(in.array(), start, in.position() - start - 1, StandardCharsets.UTF_8);
    }

    private static void expect(ByteBuffer in, char tag) {
        char got = (char) in.get();
        if (got != tag) {
            throw new IllegalStateException("pgoutput: expected '" + tag + "', got '" + got + "'");
        }
    }
}
