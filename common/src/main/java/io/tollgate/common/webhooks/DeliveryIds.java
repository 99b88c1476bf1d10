package io.tollgate.common.webhooks;

import io.tollgate.common.crypto.Sha256;

/**
 * The ids of webhook deliveries, derived rather than drawn, so that the dispatcher taking the same
 * work on twice (a redelivered order event or request after a crash) makes one delivery, and the API
 * can name a resend's delivery before the dispatcher has made it.
 */
public final class DeliveryIds {
    private DeliveryIds() {
    }

    /**
     * The {@code webhook-id} of an order event sent to an endpoint: one per endpoint and event, the same on
     * every attempt, resend and replay, so receivers de-duplicate on it (Standard Webhooks' idempotency key).
     */
    public static String webhookId(String agencyId, String endpointId, String eventId) {
        return "msg_" + Sha256.hex("webhook/" + agencyId + "/" + endpointId + "/" + eventId).substring(0, 32);
    }

    /** The delivery of an order event to an endpoint as it happened. */
    public static String forEvent(String agencyId, String endpointId, String eventId) {
        return "dlv_" + Sha256.hex("event/" + agencyId + "/" + endpointId + "/" + eventId).substring(0, 24);
    }

    /** A delivery sent again at a partner's request. */
    public static String resend(String deliveryId, String requestId) {
        return "dlv_" + Sha256.hex("resend/" + deliveryId + "/" + requestId).substring(0, 24);
    }

    /** An order event sent again by a replay of its endpoint. */
    public static String replay(String agencyId, String endpointId, String eventId, String replayId) {
        return "dlv_" + Sha256.hex("replay/" + agencyId + "/" + endpointId + "/" + eventId + "/" + replayId).substring(0, 24);
    }
}
