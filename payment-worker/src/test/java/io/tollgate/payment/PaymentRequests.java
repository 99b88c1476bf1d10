package io.tollgate.payment;

import io.tollgate.schema.CaptureMethod;
import io.tollgate.schema.PaymentRequested;
import java.util.List;

/** PaymentRequested events as the checkout fold writes them. */
final class PaymentRequests {

    private PaymentRequests() {}

    static PaymentRequested.Builder forSession(String sessionId) {
        return PaymentRequested.newBuilder()
                .setAttempt(1)
                .setIdempotencyKey("tollgate_" + sessionId + "_pi")
                .setAmountMinor(2500)
                .setCurrency("GBP")
                .setCaptureMethod(CaptureMethod.AUTOMATIC)
                .setScaForce(false)
                .setExemptions(List.of())
                .setStripeAccount(null);
    }

    static PaymentRequested plain(String sessionId) {
        return forSession(sessionId).build();
    }
}
