package ai.originchain.ingest.embedded;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority and server certificates for PostgreSQL servers that this
 * process starts itself: the demo source, and the servers the tests start.
 */
public final class Certificates {

    private final KeyPair caKeys;
    private final X509Certificate ca;

    private Certificates(KeyPair caKeys, X509Certificate ca) {
        this.caKeys = caKeys;
        this.ca = ca;
    }

    public static Certificates newAuthority(String name) {
        try {
            KeyPair keys = keyPair();
            X500Name subject = new X500Name("CN=" + name);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), notBefore(),
                    notAfter(), subject, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Certificates(keys, sign(builder, keys));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not create a certificate authority", e);
        }
    }

    public String caPem() {
        return pem(ca);
    }

    /**
     * Writes {@code server.crt} and {@code server.key} for the given host names into {@code dir},
     * with the key readable by its owner only, as PostgreSQL demands.
     */
    public void writeServerFiles(Path dir, String... hostNames) {
        try {
            KeyPair keys = keyPair();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X500Name(ca.getSubjectX500Principal().getName()), serial(), notBefore(), notAfter(),
                    new X500Name("CN=" + hostNames[0]), keys.getPublic());
            GeneralName[] names = new GeneralName[hostNames.length];
            for (int i = 0; i < hostNames.length; i++) {
                boolean ip = hostNames[i].matches("[0-9.]+") || hostNames[i].contains(":");
                names[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, hostNames[i]);
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            X509Certificate cert = sign(builder, caKeys);
            Files.createDirectories(dir);
            Path crt = dir.resolve("server.crt");
            Path key = dir.resolve("server.key");
            Files.writeString(crt, pem(cert));
            Files.writeString(key, pem(keys.getPrivate()));
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not create a server certificate", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(Duration.ofDays(365)));
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
