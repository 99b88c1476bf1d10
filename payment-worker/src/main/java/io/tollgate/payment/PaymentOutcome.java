package io.tollgate.payment;

import java.time.Instant;

/**
 * What a verified Stripe webhook says happened to a PaymentIntent, reduced to what Tollgate reports as a
 * command (PaymentSucceededReported, PaymentFailureReported, PaymentCanceledReported,
 * PaymentAuthorizedReported).
 *
 * @param eventId Stripe's event id ({@code evt_...}), the natural dedup key for redelivered webhooks
 * @param sessionId from the intent's {@code metadata.session_id}; null when Tollgate did not create the intent
 * @param agencyId from {@code metadata.agency_id}, may be null
 * @param merchantId from {@code metadata.merchant_id}, may be null
 * @param stripeAccount the connected account the event happened on, null for the platform
 * @param failureCode {@code last_payment_error.code} (e.g. card_declined) for {@link Type#PAYMENT_FAILED}
 * @param declineCode {@code last_payment_error.decline_code}, when a card was declined
 * @param failureMessage {@code last_payment_error.message}, shopper-safe text from Stripe
 */
public record PaymentOutcome(Type type, String eventId, String paymentIntentId, String sessionId,
        String agencyId, String merchantId, String stripeAccount, long amountMinor, long amountReceivedMinor,
        long amountCapturableMinor, String currency, String status, String failureCode, String declineCode,
        String failureMessage, Instant occurredAt, boolean livemode) {

    /** The Stripe event types Tollgate acts on. */
    public enum Type {
        SUCCEEDED("payment_intent.succeeded"),
        PAYMENT_FAILED("payment_intent.payment_failed"),
        CANCELED("payment_intent.canceled"),
        AMOUNT_CAPTURABLE_UPDATED("payment_intent.amount_capturable_updated");

        private final String stripeType;

        Type(String stripeType) {
            this.stripeType = stripeType;
        }

        public String stripeType() {
            return stripeType;
        }

        static Type fromStripe(String eventType) {
            for (Type t : values()) {
                if (t.stripeType.equals(eventType)) {
                    return t;
                }
            }
            return null;
        }
    }
}
