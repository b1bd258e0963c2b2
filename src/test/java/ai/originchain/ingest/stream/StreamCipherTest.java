package ai.originchain.ingest.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.api.ApiProblem;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.support.ConnectorTest;

/** Stream credentials at rest: AES-GCM under the configured key, bound to their stream; no key, no streams (503). */
class StreamCipherTest {

    private static StreamCipher cipher(String key) {
        IngestProperties properties = new IngestProperties();
        properties.getSecrets().setStreamKey(key);
        return new StreamCipher(properties);
    }

    @Test
    void encryptsWithAFreshNonceAndDecryptsOnlyForItsOwnStream() {
        StreamCipher cipher = cipher(ConnectorTest.STREAM_KEY);
        byte[] first = cipher.encrypt("s3cret-pw".toCharArray(), "stream-1");
        byte[] second = cipher.encrypt("s3cret-pw".toCharArray(), "stream-1");

        assertThat(first).isNotEqualTo(second);
        assertThat(new String(first, StandardCharsets.ISO_8859_1)).doesNotContain("s3cret-pw");
        assertThat(new String(cipher.decrypt(first, "stream-1"))).isEqualTo("s3cret-pw");
        assertThatThrownBy(() -> cipher.decrypt(first, "stream-2")).isInstanceOf(SyncFailure.class);
        assertThatThrownBy(() -> cipher(java.util.Base64.getEncoder().encodeToString(new byte[32])).decrypt(first, "stream-1"))
                .isInstanceOf(SyncFailure.class);
    }

    @Test
    void withoutAKeyStreamsAreRefusedWith503() {
        StreamCipher cipher = cipher("");
        assertThat(cipher.configured()).isFalse();
        assertThatThrownBy(cipher::requireKey).isInstanceOfSatisfying(SyncFailure.class,
                f -> assertThat(ApiProblem.from(f).status()).isEqualTo(503));
        assertThatThrownBy(() -> cipher("c2hvcnQ=")).isInstanceOf(IllegalStateException.class);
    }
}
