package ai.originchain.ingest.stream;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;

/**
 * Encrypts a stream's source password at rest: AES-256-GCM under {@code originchain.secrets.stream-key},
 * a random 96-bit nonce per record, the stream id as associated data (a record copied to another
 * stream does not decrypt). Without a key, streams are refused (503).
 */
@Component
public class StreamCipher {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public StreamCipher(IngestProperties properties) {
        String encoded = properties.getSecrets().getStreamKey();
        if (encoded == null || encoded.isBlank()) {
            key = null;
            return;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(encoded.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("originchain.secrets.stream-key must be base64 of 32 random bytes");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("originchain.secrets.stream-key must be base64 of 32 bytes (256 bits), not "
                    + raw.length + " bytes");
        }
        key = new SecretKeySpec(raw, "AES");
        Arrays.fill(raw, (byte) 0);
    }

    public boolean configured() {
        return key != null;
    }

    /** 503 unless a key is set. */
    public void requireKey() {
        if (key == null) {
            throw SyncFailure.notConfigured("change streams are off: set originchain.secrets.stream-key "
                    + "(base64 of 32 random bytes, e.g. openssl rand -base64 32) to store their credentials encrypted");
        }
    }

    /** nonce ‖ ciphertext ‖ tag. */
    public byte[] encrypt(char[] password, String streamId) {
        requireKey();
        ByteBuffer plain = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[plain.remaining()];
        plain.get(bytes);
        Arrays.fill(plain.array(), (byte) 0);
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(streamId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(bytes);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    public char[] decrypt(byte[] record, String streamId) {
        requireKey();
        byte[] plain = null;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, record, 0, NONCE_BYTES));
            cipher.updateAAD(streamId.getBytes(StandardCharsets.UTF_8));
            plain = cipher.doFinal(record, NONCE_BYTES, record.length - NONCE_BYTES);
            CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(plain));
            char[] password = new char[chars.remaining()];
            chars.get(password);
            Arrays.fill(chars.array(), '\0');
            return password;
        } catch (GeneralSecurityException e) {
            throw SyncFailure.notConfigured("the stored credentials of stream " + streamId
                    + " do not decrypt with originchain.secrets.stream-key (was the key changed?); PUT the stream again");
        } finally {
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }
}
