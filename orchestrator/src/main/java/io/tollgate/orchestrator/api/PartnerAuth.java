package io.tollgate.orchestrator.api;

import io.tollgate.common.crypto.Sha256;
import io.javalin.http.Context;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Partner keys: {@code Authorization: Bearer <key>}. Only SHA-256 hashes are configured; the hash of
 * the presented key is compared with every configured hash in constant time, so neither timing nor
 * an early exit tells how close a guess was.
 */
public final class PartnerAuth {
    /** Who called: the agency and a short fingerprint of the key (safe for logs and the journal). */
    public record Caller(String agency, String keyId) {
        public String actor() {
            return "partner:" + agency + ":" + keyId;
        }
    }

    private record KeyHash(String agency, byte[] hash) {
    }

    private final List<KeyHash> keys;

    public PartnerAuth(Map<String, List<String>> hashesByAgency) {
        this.keys = hashesByAgency.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(h -> new KeyHash(e.getKey(), HexFormat.of().parseHex(h.toLowerCase()))))
                .toList();
    }

    /** The caller, or 401 when the key is missing or unknown. */
    public Caller require(Context ctx) {
        return identify(ctx).orElseThrow(() -> new ApiError(401, "unauthorized",
                "a valid partner key is required: Authorization: Bearer <key>"));
    }

    public Optional<Caller> identify(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = Sha256.digest(header.substring(7).trim());
        Caller found = null;
        for (KeyHash key : keys) {
            if (MessageDigest.isEqual(presented, key.hash()) && found == null) {
                found = new Caller(key.agency(), HexFormat.of().formatHex(key.hash()).substring(0, 12));
            }
        }
        return Optional.ofNullable(found);
    }

    /** The caller when it owns the path's agency; another agency's resources are 404, not 403. */
    public Caller requireAgency(Context ctx, String agency) {
        Caller caller = require(ctx);
        if (!caller.agency().equals(agency)) {
            throw ApiError.notFound("agency " + agency);
        }
        return caller;
    }

}
