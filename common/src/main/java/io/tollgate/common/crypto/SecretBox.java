package io.tollgate.common.crypto;

import io.tollgate.schema.Encrypted;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets (hook secrets, Stripe client secrets) with AES-256-GCM under the master key before
 * they reach a topic, and opens them again. The key id is the first 16 hex chars of SHA-256 of the
 * key, so a record says which key sealed it without revealing it. The associated data binds each
 * ciphertext to what it is for (e.g. "hook-secret:agency/merchant"), so a sealed value cannot be
 * moved to another record and opened there.
 */
public final class SecretBox {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    /** Tokens are MACed under a key derived from the master key, never under the AES key itself. */
    private final SecretKeySpec tokenKey;
    private final String keyId;
    private final SecureRandom random = new SecureRandom();

    public SecretBox(byte[] masterKey) {
        if (masterKey.length != 32 && masterKey.length != 16 && masterKey.length != 24) {
            throw new IllegalArgumentException("master key must be 16, 24 or 32 bytes (base64 of random bytes), got " + masterKey.length);
        }
        this.key = new SecretKeySpec(masterKey.clone(), "AES");
        this.tokenKey = new SecretKeySpec(hmac(new SecretKeySpec(masterKey, "HmacSHA256"),
                "tollgate/token-key".getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
        this.keyId = keyIdOf(masterKey);
    }

    public static SecretBox fromBase64(String masterKeyBase64) {
        return new SecretBox(Base64.getDecoder().decode(masterKeyBase64.trim()));
    }

    /** 32 fresh random bytes, base64: a new master key. */
    public static String newMasterKeyBase64() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    public String keyId() {
        return keyId;
    }

    public Encrypted seal(String plaintext, String purpose) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
            byte[] ciphertext = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return Encrypted.newBuilder().setKeyId(keyId).setNonce(ByteBuffer.wrap(nonce))
                    .setCiphertext(ByteBuffer.wrap(ciphertext)).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    public String open(Encrypted sealed, String purpose) {
        if (!keyId.equals(sealed.getKeyId())) {
            throw new IllegalArgumentException("sealed under key " + sealed.getKeyId() + ", this process holds key " + keyId);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes(sealed.getNonce())));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(bytes(sealed.getCiphertext())), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot open sealed value for " + purpose + ": wrong key or tampered", e);
        }
    }

    /** A keyed, deterministic token (HMAC-SHA256, base64url) — e.g. a session's client token. */
    public String token(String purpose, String subject) {
        byte[] input = (purpose + "\u0000" + subject).getBytes(StandardCharsets.UTF_8);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(tokenKey, input));
    }

    private static byte[] hmac(SecretKeySpec macKey, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(macKey);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    private static String keyIdOf(byte[] masterKey) {
        return Sha256.hex(masterKey).substring(0, 16);
    }

    @Override
    public String toString() {
        return "SecretBox{keyId=" + keyId + "}";
    }
}
