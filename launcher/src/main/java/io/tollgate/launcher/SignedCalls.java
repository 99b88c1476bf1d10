package io.tollgate.launcher;

import com.standardwebhooks.Webhook;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** How the demo's sample receivers check a Standard Webhooks signature, as a partner's code would. */
final class SignedCalls {
    private SignedCalls() {
    }

    /** Whether the request's body verifies under the secret (5-minute tolerance, constant-time comparison). */
    static boolean verified(Context ctx, String body, String secret) {
        if (secret == null) {
            return false;
        }
        try {
            new Webhook(secret).verify(body, Map.of(
                    "webhook-id", List.of(String.valueOf(ctx.header("webhook-id"))),
                    "webhook-timestamp", List.of(String.valueOf(ctx.header("webhook-timestamp"))),
                    "webhook-signature", List.of(String.valueOf(ctx.header("webhook-signature")))));
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
