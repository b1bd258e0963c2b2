package ai.originchain.ingest.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;



import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import ai.originchain.ingest.embedded.Certificates;

/**
 * A local HTTPS webhook receiver (the JDK's HttpsServer) with a certificate for {@code localhost}
 * from a test CA: it records every request per path and answers the statuses queued for that path
 * (204 once the queue is empty); a path can be held until the test releases it. A path can also be
 * answered with a hostile body ({@link Body}): the receiver records how many bytes it got out and
 * whether the client closed the connection before the body's end.
 */
public final class WebhookReceiver {

    public static final String ACME_SECRET = "acme-webhook-secret-5d1e";
    private static Certificates ca;
    private static WebhookReceiver instance;

    public record Received(Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    /** A hostile answer body. */
    public enum Body {
        /** 100 MB of zeros, with its Content-Length. */
        HUGE,
        /** An endless gzip stream (Content-Encoding: gzip) of zeros: each 10 KB inflates to 10 MB. */
        ENDLESS_GZIP,
        /** Zeros, chunked, until the client goes away. */
        ENDLESS,
        /** One byte every 100 ms, chunked, until the client goes away: never idle long enough for a read timeout. */
        SLOW
    }

    /** What the receiver got out of one hostile answer: its bytes, and whether the client closed before its end. */
    public record Sent(long bytes, boolean cutShort) {
    }

    public static final long HUGE_BYTES = 100L * 1024 * 1024;
    private static byte[] gzipMember;

    private final HttpsServer server;
    private final Map<String, BlockingQueue<Body>> bodies = new ConcurrentHashMap<>();
    private final Map<String, List<Sent>> sent = new ConcurrentHashMap<>();
    private final Map<String, List<Received>> received = new ConcurrentHashMap<>();
    private final Map<String, BlockingQueue<Integer>> answers = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();

    public static synchronized Certificates ca() {
        if (ca == null) {
            ca = Certificates.newAuthority("Test webhook CA");
        }
        return ca;
    }

    public static synchronized WebhookReceiver get() {
        if (instance == null) {
            instance = new WebhookReceiver();
        }
        return instance;
    }

    private WebhookReceiver() {
        try {
            Path dir = Files.createTempDirectory("webhook-receiver");
            ca().writeServerFiles(dir, "localhost", "127.0.0.1");
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(ServerTls.fromFiles(dir)));
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                received.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>())
                        .add(new Received(Map.copyOf(exchange.getRequestHeaders()), body));
                CountDownLatch hold = holds.get(path);
                if (hold != null) {
                    try {
                        hold.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                BlockingQueue<Integer> queued = answers.get(path);
                Integer status = queued == null ? null : queued.poll();
                BlockingQueue<Body> hostile = bodies.get(path);
                Body hostileBody = hostile == null ? null : hostile.poll();
                if (hostileBody != null) {
                    sent.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(sendHostile(exchange, status == null ? 200 : status, hostileBody));
                    return;
                }
                exchange.sendResponseHeaders(status == null ? 204 : status, -1);
                exchange.close();
            });
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the webhook receiver", e);
        }
    }

    private static Sent sendHostile(com.sun.net.httpserver.HttpExchange exchange, int status, Body body) {
        long written = 0;
        byte[] chunk = body == Body.ENDLESS_GZIP ? gzipMember() : new byte[64 * 1024];
        try {
            if (body == Body.ENDLESS_GZIP) {
                exchange.getResponseHeaders().set("Content-Encoding", "gzip");
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body == Body.HUGE ? HUGE_BYTES : 0);
            OutputStream out = exchange.getResponseBody();
            while (body != Body.HUGE || written < HUGE_BYTES) {
                int n = body == Body.HUGE ? (int) Math.min(chunk.length, HUGE_BYTES - written) : chunk.length;
                if (body == Body.SLOW) {
                    n = 1;
                    Thread.sleep(100);
                }
                out.write(chunk, 0, n);
                out.flush();
                written += n;
            }
            out.close();
            return new Sent(written, false);
        } catch (IOException closedByClient) {
            return new Sent(written, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Sent(written, false);
        } finally {
            exchange.close();
        }
    }

    /** One gzip member of 10 MB of zeros; members concatenated are one valid gzip stream. */
    private static synchronized byte[] gzipMember() {
        if (gzipMember == null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
                byte[] zeros = new byte[1024 * 1024];
                for (int i = 0; i < 10; i++) {
                    gzip.write(zeros);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            gzipMember = bytes.toByteArray();
        }
        return gzipMember;
    }

    /** {@code https://localhost:<port><path>}. */
    public String url(String path) {
        return "https://localhost:" + server.getAddress().getPort() + path;
    }

    /** The next requests to {@code path} are answered with these statuses, in order. */
    public void answer(String path, Integer... statuses) {
        answers.computeIfAbsent(path, p -> new LinkedBlockingQueue<>()).addAll(List.of(statuses));
    }

    /** The next requests to {@code path} are answered {@code status} with this body, {@code times} times. */
    public void answerWith(String path, int status, Body body, int times) {
        for (int i = 0; i < times; i++) {
            answer(path, status);
            bodies.computeIfAbsent(path, p -> new LinkedBlockingQueue<>()).add(body);
        }
    }

    /** The hostile answers sent on {@code path} so far. */
    public List<Sent> sent(String path) {
        return sent.getOrDefault(path, List.of());
    }

    /** Requests to {@code path} wait for the returned latch (30 s at most). */
    public CountDownLatch hold(String path) {
        return holds.computeIfAbsent(path, p -> new CountDownLatch(1));
    }

    public List<Received> received(String path) {
        return received.getOrDefault(path, List.of());
    }
}
