package ai.originchain.ingest.support;

import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Comparator;
import java.util.stream.Stream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import ai.originchain.ingest.embedded.Certificates;

/** The server side of TLS for the tests' own peers (webhook receiver, hostile servers). */
public final class ServerTls {

    private ServerTls() {
    }

    /** A TLS context with a fresh certificate for {@code localhost} issued by {@code ca}; no file is left behind. */
    public static SSLContext forLocalhost(Certificates ca) throws Exception {
        Path dir = Files.createTempDirectory("server-tls");
        try {
            ca.writeServerFiles(dir, "localhost");
            return fromFiles(dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /** A TLS context serving {@code server.crt} and {@code server.key} of {@code dir} (as {@link Certificates#writeServerFiles} writes them). */
    public static SSLContext fromFiles(Path dir) throws Exception {
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
}
