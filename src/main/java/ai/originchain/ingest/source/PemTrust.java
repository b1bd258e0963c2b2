package ai.originchain.ingest.source;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** TLS contexts for source connections, built in memory: never a trust store file. */
public final class PemTrust {

    private PemTrust() {
    }

    /** Trusts exactly the CA certificates of {@code pem}, or the JVM's default trust store when it is null. */
    public static SSLContext verifying(String pem) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (pem == null) {
            tmf.init((KeyStore) null);
        } else {
            try {
                Collection<? extends Certificate> cas = CertificateFactory.getInstance("X.509")
                        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
                if (cas.isEmpty()) {
                    throw new GeneralSecurityException("sslrootcert holds no certificate");
                }
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                try {
                    trust.load(null, null);
                } catch (IOException e) {
                    throw new GeneralSecurityException(e);
                }
                int i = 0;
                for (Certificate ca : cas) {
                    trust.setCertificateEntry("ca-" + i++, ca);
                }
                tmf.init(trust);
            } catch (java.security.cert.CertificateException e) {
                throw new GeneralSecurityException("sslrootcert is not readable PEM", e);
            }
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** Encrypts without checking the certificate: libpq's {@code sslmode=require}. */
    public static SSLContext encryptingOnly() throws GeneralSecurityException {
        TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trustAll}, null);
        return context;
    }
}
