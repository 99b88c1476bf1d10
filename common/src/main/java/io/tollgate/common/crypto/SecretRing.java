package io.tollgate.common.crypto;

import io.tollgate.schema.Encrypted;
import io.tollgate.schema.HookSecret;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The signing secrets of one receiver (a merchant's hook, a webhook endpoint), newest first: the
 * current one, and during a rotation's grace period the ones before it, which sign too until they
 * expire. Written once for the folds that rotate them and the services that sign with them.
 */
public final class SecretRing {
    private SecretRing() {
    }

    /**
     * The ring after a rotation at {@code at}: the fresh secret first, then every older one that still
     * signs, expiring when the grace ends (or sooner, if it was to expire sooner). Pure: the fold's
     * replays give the same ring.
     */
    public static List<HookSecret> rotate(List<HookSecret> current, Encrypted fresh, Instant at, long graceMs) {
        Instant graceEnds = at.plusMillis(graceMs);
        List<HookSecret> secrets = new ArrayList<>();
        secrets.add(HookSecret.newBuilder().setSecret(fresh).setCreatedAt(at).setExpiresAt(null).build());
        for (HookSecret old : current) {
            if (old.getExpiresAt() != null && !old.getExpiresAt().isAfter(at)) {
                continue;
            }
            boolean outlivesGrace = old.getExpiresAt() == null || old.getExpiresAt().isAfter(graceEnds);
            secrets.add(HookSecret.newBuilder().setSecret(old.getSecret()).setCreatedAt(old.getCreatedAt())
                    .setExpiresAt(outlivesGrace ? graceEnds : old.getExpiresAt()).build());
        }
        return secrets;
    }

    /** A ring of one secret: a receiver's first. */
    public static List<HookSecret> first(Encrypted secret, Instant at) {
        List<HookSecret> secrets = new ArrayList<>();
        secrets.add(HookSecret.newBuilder().setSecret(secret).setCreatedAt(at).setExpiresAt(null).build());
        return secrets;
    }

    /** The secrets that still sign at {@code now}, opened, newest first. */
    public static List<String> signing(List<HookSecret> ring, Instant now, Function<Encrypted, String> open) {
        List<String> secrets = new ArrayList<>();
        for (HookSecret secret : ring) {
            if (secret.getExpiresAt() == null || secret.getExpiresAt().isAfter(now)) {
                secrets.add(open.apply(secret.getSecret()));
            }
        }
        return List.copyOf(secrets);
    }
}
