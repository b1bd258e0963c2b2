package ai.originchain.ingest.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import ai.originchain.ingest.embedded.Certificates;

/**
 * A local HTTPS webhook receiver (the JDK's HttpsServer) with a certificate for {@code localhost}
 * from a test CA: it records every request per path and answers the statuses queued for that path
 * (204 once the queue is empty); a path can be held until the test releases it.
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

    private final HttpsServer server;
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
            server.setHttpsConfigurator(new HttpsConfigurator(tls(dir)));
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
                exchange.sendResponseHeaders(status == null ? 204 : status, -1);
                exchange.close();
            });
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the webhook receiver", e);
        }
    }

    private static SSLContext tls(Path dir) throws Exception {
        Certificate cert;
        try (InputStream in = Files.newInputStream(dir.resolve("server.crt"))) {
            cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        PrivateKey key;
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(dir.resolve("server.key"))))) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            key = object instanceof PEMKeyPair pair ? converter.getKeyPair(pair).getPrivate()
                    : converter.getPrivateKey((PrivateKeyInfo) object);
        }
        char[] password = "receiver".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", key, password, new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    /** {@code https://localhost:<port><path>}. */
    public String url(String path) {
        return "https://localhost:" + server.getAddress().getPort() + path;
    }

    /** The next requests to {@code path} are answered with these statuses, in order. */
    public void answer(String path, Integer... statuses) {
        answers.computeIfAbsent(path, p -> new LinkedBlockingQueue<>()).addAll(List.of(statuses));
    }

    /** Requests to {@code path} wait for the returned latch (30 s at most). */
    public CountDownLatch hold(String path) {
        return holds.computeIfAbsent(path, p -> new CountDownLatch(1));
    }

    public List<Received> received(String path) {
        return received.getOrDefault(path, List.of());
    }
}
