package io.tollgate.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schema.Encrypted;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
    private final byte[] master = filled(7);
    private final SecretBox box = new SecretBox(master);

    @Test
    void sealedValuesOpenOnlyForTheirPurposeAndKey() {
        Encrypted sealed = box.seal("whsec_abc", "hook-secret:a/m");
        assertThat(sealed.getKeyId()).isEqualTo(box.keyId());
        assertThat(new String(sealed.getCiphertext().array(), StandardCharsets.ISO_8859_1)).doesNotContain("whsec_abc");
        assertThat(box.open(sealed, "hook-secret:a/m")).isEqualTo("whsec_abc");
        assertThatThrownBy(() -> box.open(sealed, "hook-secret:a/other")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SecretBox(filled(8)).open(sealed, "hook-secret:a/m")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tokensAreStablePerSubjectAndDifferByPurposeSubjectAndKey() {
        String token = box.token("client-token", "sess_1");
        assertThat(box.token("client-token", "sess_1")).isEqualTo(token);
        assertThat(new SecretBox(master).token("client-token", "sess_1")).isEqualTo(token);
        assertThat(box.token("client-token", "sess_2")).isNotEqualTo(token);
        assertThat(box.token("other", "sess_1")).isNotEqualTo(token);
        assertThat(new SecretBox(filled(8)).token("client-token", "sess_1")).isNotEqualTo(token);
    }

    @Test
    void tokensAreNotMacedUnderTheEncryptionKeyItself() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(master, "HmacSHA256"));
        String underAesKey = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal("client-token\u0000sess_1".getBytes(StandardCharsets.UTF_8)));
        assertThat(box.token("client-token", "sess_1")).isNotEqualTo(underAesKey);
    }

    private static byte[] filled(int value) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) value);
        return key;
    }
}
