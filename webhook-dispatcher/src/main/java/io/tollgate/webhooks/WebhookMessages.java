package io.tollgate.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.signing.SignatureHeaders;
import io.tollgate.common.signing.WebhookSigner;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schema.WebhookSigning;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What one attempt of a delivery sends: the body and the headers, signed for the endpoint.
 *
 * <p>Standard Webhooks (the default): the body is {@code {"type", "timestamp", "data"}}, with
 * {@code webhook-id}, {@code webhook-timestamp} (this attempt's time) and {@code webhook-signature}
 * (one {@code v1,…} per secret that signs now, space-separated during a rotation).
 *
 * <p>JWT (SWAP's form): the body is {@code {"jwt": <HS256 JWT>}} whose claims carry the same
 * {@code type}, {@code timestamp} and {@code data} with {@code iss}, {@code aud} (the endpoint id),
 * {@code iat}, {@code exp} ({@value #JWT_LIFETIME_MINUTES} minutes later, against replays),
 * {@code jti} (the webhook-id) and a fresh {@code nonce}; during a rotation {@code jwt_previous}
 * carries the same claims signed with the previous secret. The {@code webhook-id} and
 * {@code webhook-timestamp} headers are sent too.
 */
final class WebhookMessages {
    static final int JWT_LIFETIME_MINUTES = 5;
    static final String USER_AGENT = "Tollgate-Webhooks/1";

    /** The body and headers of one attempt. */
    record Message(String body, Map<String, String> headers) {
    }

    private final ObjectMapper json = new ObjectMapper();
    private final WebhookSigner signer = new WebhookSigner();
    private final JwtSigner jwt = new JwtSigner(json);

    Message build(WebhookEndpoint endpoint, WebhookDelivery delivery, List<String> secrets, Instant now) {
        Map<String, Object> payload = payload(delivery);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SignatureHeaders.ID, delivery.getWebhookId());
        headers.put(SignatureHeaders.TIMESTAMP, Long.toString(now.getEpochSecond()));
        headers.put("User-Agent", USER_AGENT);
        if (endpoint.getSigning() == WebhookSigning.JWT) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("jwt", jwt.sign(claims(endpoint, delivery, payload, now), secrets.get(0)));
            if (secrets.size() > 1) {
                body.put("jwt_previous", jwt.sign(claims(endpoint, delivery, payload, now), secrets.get(1)));
            }
            return new Message(write(body), headers);
        }
        String body = write(payload);
        headers.put(SignatureHeaders.SIGNATURE, signer.sign(delivery.getWebhookId(), now, body, secrets).signature());
        return new Message(body, headers);
    }

    /** Standard Webhooks' recommended shape: the type, when it happened, and the data. */
    static Map<String, Object> payload(WebhookDelivery delivery) {
        OrderEvent event = delivery.getEvent();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("event_id", event.getEventId());
        data.put("session_id", event.getSessionId());
        data.put("agency_id", event.getAgencyId());
        data.put("merchant_id", event.getMerchantId());
        data.put("amount_minor", event.getAmountMinor());
        data.put("currency", event.getCurrency());
        data.put("payment_intent_id", event.getPaymentIntentId());
        data.put("decision", event.getDecision());
        data.put("reason", event.getReason());
        data.put("message", event.getMessage());
        data.put("default_action_used", event.getDefaultActionUsed());
        data.put("occurred_at", event.getOccurredAt().toString());
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("type", delivery.getEventType());
        payload.put("timestamp", event.getOccurredAt().toString());
        payload.put("data", data);
        return payload;
    }

    private static Map<String, Object> claims(WebhookEndpoint endpoint, WebhookDelivery delivery, Map<String, Object> payload,
            Instant now) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", "tollgate");
        claims.put("aud", endpoint.getEndpointId());
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", now.plus(Duration.ofMinutes(JWT_LIFETIME_MINUTES)).getEpochSecond());
        claims.put("jti", delivery.getWebhookId());
        // SWAP's nonce: no two tokens are alike, even two attempts of one delivery in the same second
        claims.put("nonce", UUID.randomUUID().toString());
        claims.putAll(payload);
        return claims;
    }

    private String write(Map<String, Object> body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a webhook body", e);
        }
    }
}
