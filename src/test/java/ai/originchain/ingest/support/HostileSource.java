package ai.originchain.ingest.support;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;


import ai.originchain.ingest.embedded.Certificates;

/**
 * A hostile PostgreSQL source, as a real wire-protocol peer: a TLS-terminating proxy on localhost in
 * front of {@link TestDatabases#plainSource} (no TLS, password authentication). The service connects
 * to it as to any source ({@code sslmode: require}, host {@code localhost}, {@link #port()}); its
 * certificate for {@code localhost} is issued by {@link TestDatabases#sourceCa}. What the frontend
 * sends is forwarded as it is; each message the backend answers passes through {@link #rewrite}
 * first, so a test can make the server say what an attacker's server would.
 *
 * <p>Backend messages are framed as the protocol has them: a type byte, an int32 length that counts
 * itself, the payload. The rewrite sees each whole message and returns the bytes to send in its place
 * (none, several messages, or bytes that are no valid message at all: hostile lengths included).
 */
public final class HostileSource implements Closeable {

    private static final int SSL_REQUEST = 80877103;
    private static final int GSSENC_REQUEST = 80877104;

    /** One backend message. */
    public record Message(char type, byte[] payload) {

        /** The message as it travels: type, length, payload. */
        public byte[] encode() {
            return ByteBuffer.allocate(5 + payload.length).put((byte) type).putInt(4 + payload.length).put(payload).array();
        }

        /** A DataRow's field values (null for SQL NULL), as bytes. */
        public List<byte[]> dataRowFields() {
            if (type != 'D') {
                throw new IllegalStateException("not a DataRow: " + type);
            }
            ByteBuffer in = ByteBuffer.wrap(payload);
            int n = in.getShort() & 0xffff;
            List<byte[]> fields = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int length = in.getInt();
                if (length < 0) {
                    fields.add(null);
                } else {
                    byte[] value = new byte[length];
                    in.get(value);
                    fields.add(value);
                }
            }
            return fields;
        }

        /** A DataRow with these field values (null for SQL NULL), its lengths computed. */
        public static Message dataRow(List<byte[]> fields) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(ByteBuffer.allocate(2).putShort((short) fields.size()).array());
            for (byte[] field : fields) {
                out.writeBytes(ByteBuffer.allocate(4).putInt(field == null ? -1 : field.length).array());
                if (field != null) {
                    out.writeBytes(field);
                }
            }
            return new Message('D', out.toByteArray());
        }
    }

    /** What a rewrite returns for a message it leaves alone. */
    public static final Function<Message, byte[]> AS_IS = Message::encode;

    private final ServerSocket listener;
    private final SSLContext tls;
    private final int backendPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile Function<Message, byte[]> rewrite = AS_IS;

    /** Starts listening on a free localhost port, in front of the plain test source. */
    public HostileSource(TestDatabases dbs) {
        this.backendPort = dbs.plainSource.getPort();
        this.tls = serverContext(dbs.sourceCa);
        try {
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException("could not listen", e);
        }
        Thread acceptor = new Thread(this::accept, "hostile-source-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The source block of a request to this server, as the test role, {@code sslmode: require}. */
    public Map<String, Object> sourceBlock() {
        return Map.of("host", "localhost", "port", port(), "database", TestDatabases.SOURCE_DB,
                "user", TestDatabases.SOURCE_USER, "password", TestDatabases.SOURCE_PASSWORD, "sslmode", "require");
    }

    /** From now on, every backend message of every connection goes through {@code rewrite}. */
    public HostileSource rewrite(Function<Message, byte[]> rewrite) {
        this.rewrite = Objects.requireNonNull(rewrite);
        return this;
    }

    /** From now on, every DataRow field value passes through {@code field} (null for SQL NULL, as text). */
    public HostileSource rewriteDataRowFields(UnaryOperator<String> field) {
        return rewrite(message -> {
            if (message.type() != 'D') {
                return message.encode();
            }
            List<byte[]> fields = message.dataRowFields().stream().map(value -> {
                String text = value == null ? null : new String(value, StandardCharsets.UTF_8);
                String changed = field.apply(text);
                return changed == null ? null : changed.getBytes(StandardCharsets.UTF_8);
            }).toList();
            return Message.dataRow(fields).encode();
        });
    }

    /** From now on, a DataRow field whose text is exactly {@code from} is sent as {@code to}; all else as it is. */
    public HostileSource replaceInDataRows(String from, String to) {
        return rewriteDataRowFields(value -> from.equals(value) ? to : value);
    }

    /** Back to forwarding every message as it is. */
    public HostileSource honest() {
        return rewrite(AS_IS);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                Thread session = new Thread(() -> serve(client), "hostile-source-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** One frontend connection: TLS negotiated here, the startup and everything after it forwarded. */
    private void serve(Socket client) {
        try (Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort)) {
            sockets.add(backend);
            Socket frontend = client;
            byte[] startup;
            while (true) {
                startup = readStartupPacket(new DataInputStream(frontend.getInputStream()));
                int code = ByteBuffer.wrap(startup, 4, 4).getInt();
                if (code == SSL_REQUEST && !(frontend instanceof SSLSocket)) {
                    frontend.getOutputStream().write('S');
                    frontend.getOutputStream().flush();
                    SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(frontend, null, frontend.getPort(), true);
                    secured.setUseClientMode(false);
                    secured.startHandshake();
                    sockets.add(secured);
                    frontend = secured;
                } else if (code == GSSENC_REQUEST) {
                    frontend.getOutputStream().write('N');
                    frontend.getOutputStream().flush();
                } else {
                    break;
                }
            }
            backend.getOutputStream().write(startup);
            backend.getOutputStream().flush();
            Socket secured = frontend;
            Thread forward = new Thread(() -> pipe(secured, backend), "hostile-source-frontend");
            forward.setDaemon(true);
            forward.start();
            answer(backend.getInputStream(), frontend.getOutputStream());
        } catch (IOException e) {
            // The peer went away; the other side is closed below.
        } finally {
            closeQuietly(client);
        }
    }

    /** The backend's messages, each through the rewrite, to the frontend. */
    private void answer(InputStream backend, OutputStream frontend) throws IOException {
        DataInputStream in = new DataInputStream(backend);
        while (true) {
            int type = in.read();
            if (type < 0) {
                return;
            }
            int length = in.readInt();
            byte[] payload = new byte[length - 4];
            in.readFully(payload);
            frontend.write(rewrite.apply(new Message((char) type, payload)));
            if (in.available() == 0) {
                frontend.flush();
            }
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException ignored) {
            // Either side went away.
        } finally {
            closeQuietly(to);
            closeQuietly(from);
        }
    }

    /** A startup-phase packet: int32 length (counting itself), then the rest. */
    private static byte[] readStartupPacket(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 8 || length > 10_000) {
            throw new EOFException("not a startup packet");
        }
        byte[] packet = new byte[length];
        ByteBuffer.wrap(packet).putInt(length);
        in.readFully(packet, 4, length - 4);
        return packet;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }

    /** A server TLS context with a fresh certificate for localhost, issued by {@code ca}. */
    private static SSLContext serverContext(Certificates ca) {
        try {
            return ServerTls.forLocalhost(ca);
        } catch (Exception e) {
            throw new IllegalStateException("could not make the hostile source's TLS context", e);
        }
    }
}
