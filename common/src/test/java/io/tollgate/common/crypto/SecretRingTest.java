package io.tollgate.common.crypto;

import static io.tollgate.common.crypto.NamedSecrets.name;
import static io.tollgate.common.crypto.NamedSecrets.sealed;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.HookSecret;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretRingTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final long DAY = Duration.ofDays(1).toMillis();

    @Test
    void aRotationPutsTheFreshSecretFirstAndTheOthersExpireWhenTheGraceEnds() {
        List<HookSecret> ring = SecretRing.rotate(SecretRing.first(sealed("s1"), T0), sealed("s2"), T0.plusSeconds(60), DAY);

        assertThat(ring).extracting(s -> name(s.getSecret())).containsExactly("s2", "s1");
        assertThat(ring.get(0).getExpiresAt()).isNull();
        assertThat(ring.get(1).getExpiresAt()).isEqualTo(T0.plusSeconds(60).plusMillis(DAY));
    }

    @Test
    void aSecondRotationDropsWhatExpiredAndNeverExtendsAGraceAlreadyRunning() {
        List<HookSecret> once = SecretRing.rotate(SecretRing.first(sealed("s1"), T0), sealed("s2"), T0, DAY);
        List<HookSecret> twice = SecretRing.rotate(once, sealed("s3"), T0.plusSeconds(10), DAY);
        List<HookSecret> later = SecretRing.rotate(twice, sealed("s4"), T0.plusMillis(DAY + 1), DAY);

        assertThat(twice).extracting(s -> name(s.getSecret())).containsExactly("s3", "s2", "s1");
        assertThat(twice.get(2).getExpiresAt()).isEqualTo(T0.plusMillis(DAY));
        assertThat(later).extracting(s -> name(s.getSecret())).containsExactly("s4", "s3", "s2");
    }

    @Test
    void onlyUnexpiredSecretsSignNewestFirst() {
        List<HookSecret> ring = SecretRing.rotate(SecretRing.first(sealed("s1"), T0), sealed("s2"), T0, DAY);

        assertThat(SecretRing.signing(ring, T0.plusSeconds(1), NamedSecrets::name)).containsExactly("s2", "s1");
        assertThat(SecretRing.signing(ring, T0.plusMillis(DAY), NamedSecrets::name)).containsExactly("s2");
    }
}
