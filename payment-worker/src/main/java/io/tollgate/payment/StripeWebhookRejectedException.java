package io.tollgate.payment;

/**
 * A webhook that does not come from Stripe as far as we can tell: missing, forged or stale
 * {@code Stripe-Signature}, or a body that is not a Stripe event. The API answers 400; Stripe retries
 * genuine events, so nothing is lost by refusing.
 */
public final class StripeWebhookRejectedException extends Exception {

    public StripeWebhookRejectedException(String message, Throwable cause) {
        super(message, cause);
    }

    public StripeWebhookRejectedException(String message) {
        super(message);
    }
}
