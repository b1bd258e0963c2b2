package ai.originchain.ingest.source.postgres;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Properties;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.postgresql.PGProperty;
import org.postgresql.ssl.WrappedFactory;

/**
 * pgjdbc SSL socket factory that trusts exactly the CA certificates of a PEM text handed over in
 * {@code sslfactoryarg}, so {@code sslrootcert} from a request never touches the file system.
 * Host name verification stays pgjdbc's own: it runs for {@code sslmode=verify-full} whatever the factory.
 */
public class PemTrustSslFactory extends WrappedFactory {

    public PemTrustSslFactory(Properties info) throws GeneralSecurityException {
        String pem = PGProperty.SSL_FACTORY_ARG.getOrDefault(info);
        if (pem == null || pem.isBlank()) {
            throw new GeneralSecurityException("no CA certificate given");
        }
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            Collection<? extends Certificate> cas =
                    x509.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (cas.isEmpty()) {
                throw new GeneralSecurityException("sslrootcert holds no certificate");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate ca : cas) {
                trust.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            factory = context.getSocketFactory();
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("sslrootcert is not readable PEM", e);
        }
    }
}
