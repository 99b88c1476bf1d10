package io.tollgate.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.crypto.Sha256;
import io.tollgate.common.signing.SigningSecrets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a JWT (compact JWS, RFC 7515/7519) with HS256, for endpoints that take SWAP's
 * {@code {"jwt": …}} body. The key is the endpoint secret's 32 bytes — the base64 after
 * {@code whsec_}, the same key Standard Webhooks signs with — and the header's {@code kid} is the
 * first 16 hex characters of its SHA-256, so a receiver holding two secrets (a rotation) can pick.
 * Written here rather than taken from a JWT library: HS256 signing is one HMAC, and the receiving
 * side is checked with an independent library ({@code jose}) in the tests.
 */
final class JwtSigner {
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final ObjectMapper json;

    JwtSigner(ObjectMapper json) {
        this.json = json;
    }

    String sign(Map<String, Object> claims, String secret) {
        byte[] key = SigningSecrets.keyBytes(secret);
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "HS256");
        header.put("typ", "JWT");
        header.put("kid", keyId(key));
        String signingInput = encode(header) + "." + encode(claims);
        return signingInput + "." + BASE64URL.encodeToString(hmac(key, signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    static String keyId(byte[] key) {
        return Sha256.hex(key).substring(0, 16);
    }

    private String encode(Map<String, Object> part) {
        try {
            return BASE64URL.encodeToString(json.writeValueAsBytes(part));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JWT part", e);
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
