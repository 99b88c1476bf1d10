package io.tollgate.common.signing;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.time.Instant;
import java.util.List;
import java.util.StringJoiner;

/**
 * Signs outbound calls (hook calls, webhooks) the Standard Webhooks way: HMAC-SHA256 over
 * {@code id.timestamp.body}. During a secret rotation every active secret signs, so receivers holding
 * either secret accept the call.
 */
public final class WebhookSigner {

    public SignatureHeaders sign(String webhookId, Instant at, String body, List<String> activeSecrets) {
        if (activeSecrets == null || activeSecrets.isEmpty()) {
            throw new IllegalArgumentException("a signed call needs at least one active secret");
        }
        long timestamp = at.getEpochSecond();
        StringJoiner signatures = new StringJoiner(" ");
        for (String secret : activeSecrets) {
            signatures.add(signOnce(secret, webhookId, timestamp, body));
        }
        return new SignatureHeaders(webhookId, timestamp, signatures.toString());
    }

    private static String signOnce(String secret, String webhookId, long timestamp, String body) {
        try {
            return new Webhook(secret).sign(webhookId, timestamp, body);
        } catch (WebhookSigningException | IllegalArgumentException e) {
            // The library's message never contains the key, but say which part failed without echoing input.
            throw new IllegalArgumentException("a signing secret is not a usable whsec_ key", e);
        }
    }
}
