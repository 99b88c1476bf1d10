package io.tollgate.common.signing;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * New signing secrets in the Standard Webhooks form: {@code whsec_} + base64 of 32 random bytes. One
 * form for hook secrets and webhook endpoint secrets, so a partner's verifier treats both alike.
 */
public final class SigningSecrets {
    public static final String PREFIX = "whsec_";
    private static final int BYTES = 32;

    private final SecureRandom random;

    public SigningSecrets(SecureRandom random) {
        this.random = random;
    }

    public SigningSecrets() {
        this(new SecureRandom());
    }

    public String next() {
        byte[] bytes = new byte[BYTES];
        random.nextBytes(bytes);
        return PREFIX + Base64.getEncoder().encodeToString(bytes);
    }

    /** The key bytes a secret stands for: the base64 after {@code whsec_}, as Standard Webhooks reads it. */
    public static byte[] keyBytes(String secret) {
        if (!secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a signing secret starts with " + PREFIX);
        }
        try {
            return Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            // never echo the value: it is the key
            throw new IllegalArgumentException("a signing secret is not a usable whsec_ key");
        }
    }
}
