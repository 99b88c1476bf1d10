package io.tollgate.payment.standin;

/**
 * One attempt to deliver a signed Stripe event to the configured endpoint.
 *
 * @param attempt 1 for the first try
 * @param status the endpoint's HTTP status; 0 when it could not be reached
 */
public record WebhookDelivery(String eventId, String eventType, int attempt, int status) {

    public boolean delivered() {
        return status >= 200 && status < 300;
    }
}
