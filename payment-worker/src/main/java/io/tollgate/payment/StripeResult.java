package io.tollgate.payment;

/**
 * What a call to Stripe came to, classified once so the worker never inspects exceptions. Each operation
 * has its own sealed view ({@link CreateResult}, {@link CaptureResult}, {@link CancelResult},
 * {@link RefundResult}) whose cases
 * are its success and {@link Failed}.
 */
public sealed interface StripeResult {

    sealed interface CreateResult extends StripeResult permits Created, Failed {}

    sealed interface CaptureResult extends StripeResult permits Captured, Failed {}

    sealed interface CancelResult extends StripeResult permits Canceled, Failed {}

    sealed interface RefundResult extends StripeResult permits Refunded, Failed {}

    /**
     * The session's PaymentIntent exists (created now, or replayed by Stripe for the same key).
     *
     * @param clientSecret in clear: the caller encrypts it before it goes anywhere; never logged
     * @param replayed Stripe answered from its idempotency store ({@code Idempotent-Replayed: true})
     */
    record Created(String paymentIntentId, String clientSecret, String status, boolean replayed)
            implements CreateResult {
        @Override
        public String toString() {
            return "Created[paymentIntentId=" + paymentIntentId + ", clientSecret=***, status=" + status
                    + ", replayed=" + replayed + "]";
        }
    }

    /** The held amount was captured (or had already been: the intent is succeeded). */
    record Captured(String paymentIntentId, String status, long amountReceivedMinor) implements CaptureResult {}

    /** The intent is canceled at Stripe (now, or it already was). */
    record Canceled(String paymentIntentId, String status) implements CancelResult {}

    /** The money went back (now, or it already had: the charge is fully refunded). */
    record Refunded(String paymentIntentId, String refundId, long amountMinor) implements RefundResult {}

    /**
     * Stripe refused, or could not be reached.
     *
     * @param code Stripe's error code ({@code card_declined}, {@code parameter_invalid_integer},
     *     {@code idempotency_error}, ...), or {@code api_connection_error} / {@code interrupted}
     * @param declineCode the card's decline code, when a card was declined
     * @param permanent true when the same request can never succeed (card, invalid request, authentication,
     *     permission, idempotency errors); false when retries ran out on a transient error, so the command
     *     should be tried again later rather than reported as a failure
     * @param httpStatus Stripe's status, null when no answer came
     * @param paymentIntentId the intent concerned, when Stripe named one
     */
    record Failed(Kind kind, String code, String message, String declineCode, boolean permanent,
            Integer httpStatus, String paymentIntentId) implements CreateResult, CaptureResult, CancelResult, RefundResult {}

    /** Which family of Stripe error, for deciding whose fault it is (a decline vs. our configuration). */
    enum Kind {
        CARD, INVALID_REQUEST, IDEMPOTENCY, AUTHENTICATION, PERMISSION, RATE_LIMIT, API, CONNECTION, INTERRUPTED
    }
}
