package io.tollgate.common.crypto;

/**
 * What each sealed value is for — the associated data of its AES-GCM seal. Written once because
 * the sealer and the opener live in different services.
 */
public final class SealedFor {
    private SealedFor() {
    }

    /** A session's Stripe client secret: sealed by the payment worker, opened by the API. */
    public static String clientSecret(String sessionId) {
        return "client-secret:" + sessionId;
    }

    /** The query string of a merchant's hook URL (it may hold a token): sealed by the config API, opened to call the hook. */
    public static String hookQuery(String agency, String merchant) {
        return "hook-url-query:" + agency + "/" + merchant;
    }

    /** The query of a webhook endpoint's URL (where partners keep tokens): sealed by the API, opened by the dispatcher. */
    public static String webhookQuery(String agency, String endpoint) {
        return "webhook-url-query:" + agency + "/" + endpoint;
    }

    /** A merchant's hook signing secret: sealed by the config API, opened by the hook-caller. */
    public static String hookSecret(String agency, String merchant) {
        return "hook-secret:" + agency + "/" + merchant;
    }
}
