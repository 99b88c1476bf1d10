package io.tollgate.orchestrator.webhooks;

import io.tollgate.schema.DeliveryAttempt;
import io.tollgate.schema.WebhookConditions;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** How endpoints and their deliveries read in the API's answers. Never with a secret, unless one is handed in. */
final class EndpointAnswers {
    private EndpointAnswers() {
    }

    /** The endpoint; {@code secret} only when given (create, rotate and their replays). */
    static Map<String, Object> endpoint(WebhookEndpoint e, String secret) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", e.getEndpointId());
        body.put("url", e.getUrl());
        body.put("description", e.getDescription());
        body.put("triggers", e.getTriggers());
        body.put("conditions", conditions(e.getConditions()));
        body.put("signing", e.getSigning().name().toLowerCase(Locale.ROOT));
        if (secret != null) {
            body.put("secret", secret);
        }
        body.put("enabled", e.getEnabled());
        body.put("disabled_reason", e.getDisabledReason());
        body.put("disabled_at", text(e.getDisabledAt()));
        body.put("failing_since", text(e.getFailingSince()));
        body.put("failure_detail", e.getFailureDetail());
        body.put("created_at", text(e.getCreatedAt()));
        body.put("updated_at", text(e.getUpdatedAt()));
        body.put("version", e.getVersion());
        return body;
    }

    static Map<String, Object> conditions(WebhookConditions c) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("merchant_ids", c.getMerchantIds());
        body.put("currencies", c.getCurrencies());
        body.put("amount_minor_over", c.getAmountMinorOver());
        body.put("amount_minor_under", c.getAmountMinorUnder());
        body.put("decisions", c.getDecisions());
        return body;
    }

    static Map<String, Object> delivery(WebhookDelivery d) {
        DeliveryAttempt last = d.getLastAttempt();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", d.getDeliveryId());
        body.put("webhook_id", d.getWebhookId());
        body.put("event_type", d.getEventType());
        body.put("event_id", d.getEvent().getEventId());
        body.put("session_id", d.getSessionId());
        body.put("kind", d.getKind().name().toLowerCase(Locale.ROOT));
        body.put("origin", d.getOrigin());
        body.put("status", d.getStatus().name().toLowerCase(Locale.ROOT));
        body.put("attempts", d.getAttempts());
        body.put("created_at", text(d.getCreatedAt()));
        body.put("last_attempt_at", last == null ? null : text(last.getAt()));
        body.put("http_status", last == null ? null : last.getHttpStatus());
        body.put("latency_ms", last == null ? null : last.getLatencyMs());
        body.put("error", last == null ? null : last.getError());
        body.put("next_attempt_at", text(d.getNextAttemptAt()));
        body.put("final_reason", d.getFinalReason());
        return body;
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }
}
